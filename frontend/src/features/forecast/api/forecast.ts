import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import { ApiError, unwrap } from '@/lib/api-errors';

import type { EvaluationBody, Forecast, Interval, Job, ModelInfo, TrainBody } from './types';

/** While a job is queued or running, its row is re-read this often (the stream is faster). */
export const JOB_POLL_MS = 2000;

export const forecastKeys = {
  all: ['forecast'] as const,
  job: (id: string) => [...forecastKeys.all, 'job', id] as const,
  models: (symbol: string, interval: Interval) =>
    [...forecastKeys.all, 'models', symbol, interval] as const,
  forecast: (symbol: string, interval: Interval, horizon: number) =>
    [...forecastKeys.all, 'forecast', symbol, interval, horizon] as const,
  history: (symbol: string, interval: Interval) =>
    [...forecastKeys.all, 'history', symbol, interval] as const,
};

export function useTrainMutation() {
  return useMutation({
    mutationFn: (body: TrainBody) => unwrap(api().POST('/api/v1/forecast/train', { body })),
  });
}

export function useEvaluateMutation() {
  return useMutation({
    mutationFn: (body: EvaluationBody) =>
      unwrap(api().POST('/api/v1/forecast/evaluations', { body })),
  });
}

export function jobQuery(id: string) {
  return queryOptions({
    queryKey: forecastKeys.job(id),
    queryFn: async (): Promise<Job> =>
      unwrap(api().GET('/api/v1/forecast/jobs/{job_id}', { params: { path: { job_id: id } } })),
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state === 'succeeded' || state === 'failed' ? false : JOB_POLL_MS;
    },
  });
}

export function useJob(id: string | null) {
  return useQuery({ ...jobQuery(id ?? ''), enabled: id !== null });
}

export function useModels(symbol: string, interval: Interval) {
  return useQuery({
    queryKey: forecastKeys.models(symbol, interval),
    queryFn: async (): Promise<ModelInfo[]> =>
      unwrap(api().GET('/api/v1/forecast/models', { params: { query: { symbol, interval } } })),
  });
}

/** 202 while the worker computes it: the query keeps asking until the forecast is there. */
export class ForecastPending extends Error {}

export function useForecast(symbol: string, interval: Interval, horizon: number, enabled: boolean) {
  return useQuery({
    queryKey: forecastKeys.forecast(symbol, interval, horizon),
    enabled,
    queryFn: async (): Promise<Forecast> => {
      const result = await api().GET('/api/v1/forecast', {
        params: { query: { symbol, interval, horizon } },
      });
      // 202: being computed; a failed computation is 409 forecast_failed with its reason
      if (result.response.status === 202) throw new ForecastPending();
      return unwrap(Promise.resolve(result)) as Promise<Forecast>;
    },
    retry: (count, error) => error instanceof ForecastPending && count < 60,
    retryDelay: JOB_POLL_MS,
  });
}

/** The closes before the forecast, for the fan chart's history. */
export function useHistory(symbol: string, interval: Interval, limit: number) {
  return useQuery({
    queryKey: [...forecastKeys.history(symbol, interval), limit],
    queryFn: async () =>
      (
        await unwrap(
          api().GET('/api/v1/market/klines', { params: { query: { symbol, interval, limit } } }),
        )
      ).klines,
  });
}

export function useInvalidateForecast() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: forecastKeys.all });
}

export function isNoModel(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
