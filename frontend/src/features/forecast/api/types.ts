import type { components } from '@/api/schema';

/**
 * The forecast API's shapes (backend/forecasting/schemas.py). Statistics, returns and forecast
 * prices are JSON numbers (estimates, not exchange amounts); times are epoch ms open times.
 */
type Schemas = components['schemas'];
export type TrainBody = Schemas['TrainIn'];
export type EvaluationBody = Schemas['EvaluationIn'];
export type Interval = TrainBody['interval'];
export type Job = Schemas['JobOut'];
export type JobState = Job['state'];
export type Progress = Schemas['ProgressOut'];
export type Metrics = Schemas['MetricsOut'];
export type MetricsBlock = Schemas['MetricsBlockOut'];
export type VerdictName = MetricsBlock['verdict'];
export type Forecast = Schemas['ForecastOut'];
export type ForecastPoint = Schemas['ForecastPointOut'];
export type ModelInfo = Schemas['ModelOut'];
