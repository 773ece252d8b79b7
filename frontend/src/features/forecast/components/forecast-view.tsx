import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';

import { EvaluationForm } from './evaluation-form';
import { FanChart } from './fan-chart';
import { JobProgress } from './job-progress';
import { MetricsTable } from './metrics-table';
import { TrainForm } from './train-form';
import { VerdictBanner } from './verdict-banner';
import {
  ForecastPending,
  isNoModel,
  useEvaluateMutation,
  useForecast,
  useJob,
  useModels,
  useTrainMutation,
} from '../api/forecast';
import type { Interval } from '../api/types';
import { useJobStream } from '../hooks/use-job-stream';
import { isInterval } from '../lib/interval';

export const HORIZON = 24;

/**
 * Train (live progress), the latest model's forecast fan with its honest standing against the
 * baselines, and an evaluation over a chosen period. Symbol, interval and the followed jobs
 * live in the URL (`?symbol=&interval=&job=&eval=`).
 */
export function ForecastView({
  symbols,
  intervals,
}: {
  readonly symbols: readonly string[];
  readonly intervals: readonly string[];
}) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const symbol = params.get('symbol') ?? symbols[0] ?? 'BTCUSDT';
  const offered = intervals.filter(isInterval);
  const asked = params.get('interval');
  const interval: Interval = isInterval(asked)
    ? asked
    : offered.includes('1h')
      ? '1h'
      : (offered[0] ?? '1h');
  const trainJobId = params.get('job');
  const evalJobId = params.get('eval');
  const update = (next: Record<string, string | null>) => {
    const merged = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    setParams(merged, { replace: true });
  };
  useJobStream(true);
  const train = useTrainMutation();
  const evaluate = useEvaluateMutation();
  const trainJob = useJob(trainJobId);
  const evalJob = useJob(evalJobId);
  const models = useModels(symbol, interval);
  const hasModel = (models.data?.length ?? 0) > 0;
  const forecast = useForecast(symbol, interval, HORIZON, hasModel);
  const forecastError =
    forecast.error instanceof ForecastPending || isNoModel(forecast.error) ? null : forecast.error;
  return (
    <>
      <h1 className="h3 mb-3">{t('forecast.title')}</h1>
      <TrainForm
        symbol={symbol}
        interval={interval}
        symbols={symbols}
        intervals={offered}
        busy={train.isPending}
        onTarget={(s, i) => update({ symbol: s, interval: i })}
        onTrain={(body) =>
          train.mutate(body, { onSuccess: (accepted) => update({ job: accepted.job_id }) })
        }
      />
      <ErrorAlert error={train.error} />
      <ErrorAlert error={trainJob.error} />
      {trainJob.data ? <JobProgress job={trainJob.data} /> : null}

      <section aria-labelledby="fc-title" className="mb-4">
        <h2 id="fc-title" className="h5">
          {t('forecast.forecastTitle', { symbol, interval, horizon: HORIZON })}
        </h2>
        <ErrorAlert error={models.error} />
        <ErrorAlert error={forecastError} />
        {models.isSuccess && !hasModel ? (
          <p className="text-body-secondary">{t('forecast.noModel', { symbol, interval })}</p>
        ) : null}
        {hasModel && !forecast.data && !forecastError ? (
          <>
            <p className="text-body-secondary" role="status">
              {t('forecast.computing')}
            </p>
            <PageSpinner />
          </>
        ) : null}
        {forecast.data ? (
          <>
            <VerdictBanner block={forecast.data.metrics} />
            <FanChart forecast={forecast.data} />
            <MetricsTable
              block={forecast.data.metrics}
              caption={t('forecast.metricsCaption', { n: forecast.data.metrics.n })}
            />
          </>
        ) : null}
      </section>

      <section aria-labelledby="ev-title">
        <h2 id="ev-title" className="h5">
          {t('forecast.evaluateTitle')}
        </h2>
        <p className="small text-body-secondary">{t('forecast.evaluateHint')}</p>
        {models.data && models.data.length > 0 ? (
          <EvaluationForm
            models={models.data}
            busy={evaluate.isPending}
            onEvaluate={(body) =>
              evaluate.mutate(body, { onSuccess: (accepted) => update({ eval: accepted.job_id }) })
            }
          />
        ) : null}
        <ErrorAlert error={evaluate.error} />
        {evalJob.data ? <JobProgress job={evalJob.data} /> : null}
        {evalJob.data?.evaluation ? (
          <>
            <VerdictBanner block={evalJob.data.evaluation.metrics} />
            <MetricsTable
              block={evalJob.data.evaluation.metrics}
              caption={t('forecast.evaluationCaption', { n: evalJob.data.evaluation.metrics.n })}
            />
          </>
        ) : null}
      </section>
    </>
  );
}
