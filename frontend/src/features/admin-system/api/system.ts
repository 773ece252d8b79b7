import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

export type MetricsSummary = components['schemas']['MetricsSummary'];
export type Point = components['schemas']['Point'];
export type ProcessFigures = components['schemas']['ProcessOut'];
export type SystemHealth = components['schemas']['HealthOut'];
export type HealthComponent = components['schemas']['ComponentOut'];
export type LogPage = components['schemas']['LogPage'];
export type LogLine = components['schemas']['LogLineOut'];
export type LogSource = LogLine['source'];
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface LogFilters {
  /** 'all': the API and worker files merged (one request followed into its jobs). */
  readonly source: 'all' | LogSource;
  readonly level: LogLevel | '';
  readonly q: string;
  readonly requestId: string;
  readonly limit: number;
}

export const systemKeys = {
  all: ['admin', 'system'] as const,
  summary: () => [...systemKeys.all, 'summary'] as const,
  health: () => [...systemKeys.all, 'health'] as const,
  logs: (filters: LogFilters) => [...systemKeys.all, 'logs', filters] as const,
};

/** The samplers write once a minute: refetching faster would show nothing new. */
export function useMetricsSummary() {
  return useQuery(
    queryOptions({
      queryKey: systemKeys.summary(),
      queryFn: () => unwrap(api().GET('/api/v1/admin/metrics/summary')),
      refetchInterval: 60_000,
    }),
  );
}

export function useSystemHealth() {
  return useQuery(
    queryOptions({
      queryKey: systemKeys.health(),
      queryFn: () => unwrap(api().GET('/api/v1/admin/health')),
      refetchInterval: 30_000,
    }),
  );
}

export function useLogs(filters: LogFilters) {
  return useQuery(
    queryOptions({
      queryKey: systemKeys.logs(filters),
      queryFn: () =>
        unwrap(
          api().GET('/api/v1/admin/logs', {
            params: {
              query: {
                limit: filters.limit,
                ...(filters.source === 'all' ? {} : { source: [filters.source] }),
                ...(filters.level ? { level: filters.level } : {}),
                ...(filters.q ? { q: filters.q } : {}),
                ...(filters.requestId ? { request_id: filters.requestId } : {}),
              },
            },
          }),
        ),
      placeholderData: keepPreviousData,
    }),
  );
}
