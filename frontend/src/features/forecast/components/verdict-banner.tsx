import Alert from 'react-bootstrap/Alert';
import { useTranslation } from 'react-i18next';

import type { MetricsBlock } from '../api/types';

const VARIANT = { beats: 'success', no_better: 'warning', worse: 'danger' } as const;

/**
 * The verdict in plain words, first and prominent: a model that does not beat "the next price
 * equals the last one" is shown as such, with the figures it rests on.
 */
export function VerdictBanner({ block }: { readonly block: MetricsBlock }) {
  const { t, i18n } = useTranslation();
  const m = block.model;
  const number = (v: number, digits: number) =>
    new Intl.NumberFormat(i18n.language, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(v);
  return (
    <Alert variant={VARIANT[block.verdict]} className="mb-3" data-verdict={block.verdict}>
      <p className="fs-5 fw-semibold mb-1">{t(`forecast.verdict.${block.verdict}`)}</p>
      <p className="mb-0 small">
        {t('forecast.verdictBasis', {
          n: block.n,
          mase: number(m.mase, 3),
          p: m.dm_p_value === null ? '—' : number(m.dm_p_value, 4),
        })}
      </p>
    </Alert>
  );
}
