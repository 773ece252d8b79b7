import { useTranslation } from 'react-i18next';

export function FavouriteStar({
  symbol,
  active,
  onToggle,
}: {
  readonly symbol: string;
  readonly active: boolean;
  readonly onToggle: (symbol: string) => void;
}) {
  const { t } = useTranslation();
  const label = active
    ? t('market.removeFavourite', { symbol })
    : t('market.addFavourite', { symbol });
  return (
    <button
      type="button"
      className={`btn btn-link p-0 fav-star${active ? ' is-active' : ''}`}
      aria-pressed={active}
      aria-label={label}
      title={label}
      onClick={() => onToggle(symbol)}
    >
      <span aria-hidden="true">{active ? '★' : '☆'}</span>
    </button>
  );
}
