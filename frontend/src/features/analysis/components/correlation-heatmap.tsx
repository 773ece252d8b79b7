import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { TableScroll } from '@/components/table-scroll';
import { toPlotNumber } from '@/lib/decimal';

import { heatColor } from '../lib/heat';

/** The correlation matrix as a table: every value is text, the colour only repeats it. */
export function CorrelationHeatmap({
  symbols,
  matrix,
}: {
  readonly symbols: readonly string[];
  readonly matrix: readonly (readonly (string | null)[])[];
}) {
  const { t, i18n } = useTranslation();
  const fmt = new Intl.NumberFormat(i18n.language, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return (
    <TableScroll label={t('compare.correlation')}>
      <Table size="sm" bordered className="text-center align-middle mb-0 heatmap">
        <caption className="caption-top">{t('compare.correlationCaption')}</caption>
        <thead>
          <tr>
            <td />
            {symbols.map((s) => (
              <th key={s} scope="col">
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {symbols.map((row, i) => (
            <tr key={row}>
              <th scope="row">{row}</th>
              {symbols.map((col, j) => {
                const raw = matrix[i]?.[j] ?? null;
                const value = raw === null ? null : toPlotNumber(raw);
                return (
                  <td
                    key={col}
                    style={{ backgroundColor: heatColor(value) }}
                    data-value={raw ?? ''}
                  >
                    {value === null ? '—' : fmt.format(value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}
