import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { TableScroll } from '@/components/table-scroll';

import type { Metrics, MetricsBlock } from '../api/types';

const BASELINE_ORDER = ['persistence', 'drift', 'seasonal_naive'];

/** The model and every baseline scored on exactly the same points. */
export function MetricsTable({
  block,
  caption,
}: {
  readonly block: MetricsBlock;
  readonly caption: string;
}) {
  const { t, i18n } = useTranslation();
  const fixed = (digits: number) =>
    new Intl.NumberFormat(i18n.language, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  const pct = new Intl.NumberFormat(i18n.language, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const small = (v: number) =>
    new Intl.NumberFormat(i18n.language, { maximumSignificantDigits: 4 }).format(v);
  const rows: [string, Metrics][] = [
    ['model', block.model],
    ...Object.entries(block.baselines).sort(
      ([a], [b]) => BASELINE_ORDER.indexOf(a) - BASELINE_ORDER.indexOf(b),
    ),
  ];
  const dash = '—';
  const directional = (m: Metrics) => {
    if (m.directional_accuracy === null) return dash;
    const ci = m.directional_ci95;
    const range = ci?.length === 2 ? ` [${pct.format(ci[0] ?? 0)}–${pct.format(ci[1] ?? 0)}]` : '';
    return `${pct.format(m.directional_accuracy)}${range}`;
  };
  return (
    <TableScroll label={caption}>
      <Table size="sm" striped className="text-end mb-0">
        <caption className="caption-top">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="text-start">
              {t('forecast.forecaster')}
            </th>
            <th scope="col">n</th>
            <th scope="col">MAE</th>
            <th scope="col">RMSE</th>
            <th scope="col">MASE</th>
            <th scope="col">{t('forecast.directional')}</th>
            <th scope="col">{t('forecast.dm')}</th>
            <th scope="col">{t('forecast.coverage80')}</th>
            <th scope="col">{t('forecast.coverage95')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, m]) => (
            <tr key={name} data-row={name}>
              <th scope="row" className="text-start">
                {t(`forecast.forecasters.${name}` as 'forecast.forecasters.model', name)}
              </th>
              <td>{m.n}</td>
              <td>{small(m.mae)}</td>
              <td>{small(m.rmse)}</td>
              <td data-col="mase">{fixed(3).format(m.mase)}</td>
              <td>{directional(m)}</td>
              <td data-col="dm">
                {m.dm_p_value === null
                  ? dash
                  : `${fixed(2).format(m.dm_stat ?? 0)} (p ${fixed(4).format(m.dm_p_value)})`}
              </td>
              <td>{m.coverage80 === null ? dash : pct.format(m.coverage80)}</td>
              <td>{m.coverage95 === null ? dash : pct.format(m.coverage95)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}
