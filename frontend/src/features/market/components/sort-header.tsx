import { useTranslation } from 'react-i18next';

import type { SortColumn, SortDirection } from '../hooks/use-market-rows';

/** A column header that sorts; aria-sort tells screen readers the current order. */
export function SortHeader({
  column,
  label,
  sort,
  direction,
  onSort,
  className,
}: {
  readonly column: SortColumn;
  readonly label: string;
  readonly sort: SortColumn;
  readonly direction: SortDirection;
  readonly onSort: (column: SortColumn) => void;
  readonly className?: string;
}) {
  const { t } = useTranslation();
  const active = sort === column;
  const ariaSort = active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={ariaSort} className={className}>
      <button
        type="button"
        className="btn btn-link p-0 text-reset text-decoration-none fw-semibold sort-button"
        onClick={() => onSort(column)}
        title={t('market.sortBy', { column: label })}
      >
        {label}
        <span aria-hidden="true" className="ms-1 small">
          {active ? (direction === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}
