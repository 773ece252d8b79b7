import type { components, paths } from '@/api/schema';

/**
 * The analysis API's shapes (backend/analysis/schemas.py): times are epoch ms open times,
 * figures decimal strings (null where none exists).
 */
export type IndicatorData = Pick<components['schemas']['IndicatorsOut'], 'open_times' | 'series'>;
export type CompareData = components['schemas']['CompareOut'];
export type RiskRow = components['schemas']['CompareSymbolOut'];
export type Interval = NonNullable<
  NonNullable<paths['/api/v1/analysis/compare']['get']['parameters']['query']>['interval']
>;
