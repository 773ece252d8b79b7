import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { TableScroll } from '@/components/table-scroll';

import type { RiskRow } from '../api/types';

type Column = 'total_return' | 'volatility' | 'max_drawdown' | 'sharpe' | 'beta';
const COLUMNS: readonly { key: Column; percent: boolean }[] = [
  { key: 'total_return', percent: true },
  { key: 'volatility', percent: true },
  { key: 'max_drawdown', percent: true },
  { key: 'sharpe', percent: false },
  { key: 'beta', percent: false },
];

/** Total return, annualised volatility, max drawdown, Sharpe (risk-free 0) and beta to BTC. */
export function RiskTable({ rows }: { readonly rows: readonly RiskRow[] }) {
  const { t, i18n } = useTranslation();
  const percent = new Intl.NumberFormat(i18n.language, {
    style: 'percent',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const number = new Intl.NumberFormat(i18n.language, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const show = (value: string | null, isPercent: boolean) =>
    value === null
      ? '—'
      : (isPercent ? percent : number).format(value as Intl.StringNumericLiteral);
  return (
    <TableScroll label={t('compare.risk')}>
      <Table size="sm" striped className="mb-0 text-end">
        <caption className="caption-top">{t('compare.riskCaption')}</caption>
        <thead>
          <tr>
            <th scope="col" className="text-start">
              {t('compare.symbol')}
            </th>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col">
                {t(`compare.${c.key}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.symbol}>
              <th scope="row" className="text-start">
                {row.symbol}
              </th>
              {COLUMNS.map((c) => (
                <td key={c.key} data-col={c.key}>
                  {show(row[c.key], c.percent)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}
