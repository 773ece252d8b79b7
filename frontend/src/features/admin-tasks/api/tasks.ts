import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

export type Task = components['schemas']['TaskOut'];
export type TaskRun = components['schemas']['TaskRunOut'];
export type Schedule = components['schemas']['ScheduleOut'];

/** A run still on its way: the detail polls until it has an outcome. */
export function isPending(run: Pick<TaskRun, 'outcome'>): boolean {
  return run.outcome === 'queued' || run.outcome === 'running';
}

/** How often an unfinished run (and a list with one) is asked for again. */
export const POLL_MS = 1000;
const LIST_POLL_MS = 15_000;

export const taskKeys = {
  all: ['admin', 'tasks'] as const,
  list: ['admin', 'tasks', 'list'] as const,
  run: (id: number) => ['admin', 'tasks', 'run', id] as const,
};

export function tasksQuery() {
  return queryOptions({
    queryKey: taskKeys.list,
    queryFn: () => unwrap(api().GET('/api/v1/admin/tasks')),
    // next runs move and cron runs land: refresh, faster while a run is going
    refetchInterval: (query) =>
      query.state.data?.items.some((t) => t.running || t.last_runs.some(isPending))
        ? POLL_MS * 3
        : LIST_POLL_MS,
  });
}

export function useTasks() {
  return useQuery(tasksQuery());
}

export function useTaskRun(id: number | null) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: taskKeys.run(id ?? 0),
    enabled: id !== null,
    queryFn: async () => {
      const run = await unwrap(
        api().GET('/api/v1/admin/tasks/runs/{run_id}', { params: { path: { run_id: id ?? 0 } } }),
      );
      // the list shows the same run's outcome: keep it in step once the run is done
      if (!isPending(run)) void queryClient.invalidateQueries({ queryKey: taskKeys.list });
      return run;
    },
    refetchInterval: (query) =>
      query.state.data && !isPending(query.state.data) ? false : POLL_MS,
  });
}

export function useRunTaskMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      unwrap(api().POST('/api/v1/admin/tasks/{name}/run', { params: { path: { name } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: taskKeys.list }),
  });
}
