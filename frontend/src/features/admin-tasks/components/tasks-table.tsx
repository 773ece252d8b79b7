import Button from 'react-bootstrap/Button';
import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '@/lib/format';

import { OutcomeBadge } from './outcome-badge';
import { isPending } from '../api/tasks';
import type { Task } from '../api/tasks';
import { scheduleText } from '../schedule';

const DT: Intl.DateTimeFormatOptions = { dateStyle: 'short', timeStyle: 'short' };

export interface TasksTableProps {
  readonly tasks: readonly Task[];
  /** The task whose run is being queued (its button shows it). */
  readonly starting: string | null;
  readonly onRun: (name: string) => void;
  readonly onShowRun: (id: number) => void;
}

/** Every scheduled task: what it does, when, its last run, and "Run now". */
export function TasksTable({ tasks, starting, onRun, onShowRun }: TasksTableProps) {
  const { t, i18n } = useTranslation();
  return (
    <Table hover responsive className="align-middle">
      <caption className="visually-hidden">{t('adminTasks.caption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('adminTasks.task')}</th>
          <th scope="col">{t('adminTasks.scheduleCol')}</th>
          <th scope="col">{t('adminTasks.nextRun')}</th>
          <th scope="col">{t('adminTasks.lastRun')}</th>
          <th scope="col">{t('adminTasks.actions')}</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => {
          const last = task.last_runs[0];
          const busy = task.running || (last !== undefined && isPending(last));
          const key = task.name.replace('.', '_');
          return (
            <tr key={task.name} data-task={task.name}>
              <th scope="row" className="fw-normal">
                <code className="d-block">{task.name}</code>
                <span className="small text-body-secondary">
                  {t(`adminTasks.descriptions.${key}`, { defaultValue: task.description })}
                </span>
              </th>
              <td>
                {scheduleText(task.schedule, t)}
                <code className="d-block small">{task.schedule.cron}</code>
              </td>
              <td>{formatDateTime(Date.parse(task.next_run_at), i18n.language, DT)}</td>
              <td>
                {last ? (
                  <>
                    <OutcomeBadge outcome={last.outcome} />{' '}
                    <Button
                      variant="link"
                      size="sm"
                      className="p-0 align-baseline"
                      onClick={() => onShowRun(last.id)}
                    >
                      {formatDateTime(
                        Date.parse(last.started_at ?? last.created_at),
                        i18n.language,
                        DT,
                      )}{' '}
                      <span className="visually-hidden">
                        {t('adminTasks.showRunOf', { id: last.id })}
                      </span>
                    </Button>
                    {task.last_runs.length > 1 ? (
                      <div className="d-flex flex-wrap gap-1 mt-1" data-testid="earlier-runs">
                        {task.last_runs.slice(1).map((run) => (
                          <Button
                            key={run.id}
                            variant="link"
                            size="sm"
                            className="p-0 lh-1"
                            onClick={() => onShowRun(run.id)}
                          >
                            <OutcomeBadge outcome={run.outcome} />{' '}
                            <span className="visually-hidden">
                              {t('adminTasks.showRunOf', { id: run.id })}
                            </span>
                          </Button>
                        ))}
                      </div>
                    ) : null}
                  </>
                ) : (
                  <span className="text-body-secondary">{t('adminTasks.never')}</span>
                )}
              </td>
              <td>
                <Button
                  size="sm"
                  variant="primary"
                  className="text-nowrap"
                  disabled={busy || starting === task.name}
                  onClick={() => onRun(task.name)}
                >
                  {busy ? t('adminTasks.running') : t('adminTasks.runNow')}{' '}
                  <span className="visually-hidden">{task.name}</span>
                </Button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}
