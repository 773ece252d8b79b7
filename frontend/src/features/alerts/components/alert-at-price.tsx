import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

/** The symbol page's quick "alert at this price": the alerts form prefilled with the live price. */
export function AlertAtPrice({
  symbol,
  price,
}: {
  readonly symbol: string;
  readonly price: string | null | undefined;
}) {
  const { t } = useTranslation();
  const query = new URLSearchParams({ symbol, ...(price ? { value: price } : {}) });
  return (
    <Link className="btn btn-outline-primary btn-sm ms-auto" to={`/alerts?${query.toString()}`}>
      {t('alerts.atThisPrice')}
    </Link>
  );
}
