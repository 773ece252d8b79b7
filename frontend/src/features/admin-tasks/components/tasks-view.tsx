import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';

import { RunDetail } from './run-detail';
import { TasksTable } from './tasks-table';
import { useRunTaskMutation, useTasks } from '../api/tasks';

/** The admin tasks page: the scheduled jobs, run one now, follow a run (`?run=<id>`). */
export function AdminTasksView() {
  const { t } = useTranslation();
  const tasks = useTasks();
  const runTask = useRunTaskMutation();
  const [params, setParams] = useSearchParams();
  const selected = Number(params.get('run')) || null;
  const show = (id: number | null) =>
    setParams(id === null ? {} : { run: String(id) }, { replace: id === null });

  return (
    <>
      <h1 className="h3 mb-2">{t('adminTasks.title')}</h1>
      <p className="text-body-secondary">{t('adminTasks.intro')}</p>
      <ErrorAlert error={runTask.error} />
      {selected !== null ? (
        <RunDetail key={selected} runId={selected} onClose={() => show(null)} />
      ) : null}
      <ErrorAlert error={tasks.error} />
      {tasks.data ? (
        <TasksTable
          tasks={tasks.data.items}
          starting={runTask.isPending ? runTask.variables : null}
          onRun={(name) => runTask.mutate(name, { onSuccess: (out) => show(out.run_id) })}
          onShowRun={show}
        />
      ) : null}
      {tasks.isPending ? <PageSpinner /> : null}
    </>
  );
}
