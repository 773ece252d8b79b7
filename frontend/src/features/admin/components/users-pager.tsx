import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';

/** "Page 2 of 7 · 131 users" with previous/next buttons. */
export function UsersPager({
  page,
  pageSize,
  total,
  busy,
  onPage,
}: {
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly busy: boolean;
  readonly onPage: (page: number) => void;
}) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav
      aria-label={t('admin.pages')}
      className="d-flex flex-wrap align-items-center gap-2 justify-content-between"
    >
      <span className="small text-body-secondary" aria-live="polite">
        {t('admin.total', { count: total })}
        {' · '}
        {t('admin.pageOf', { page: Math.min(page, pages), pages })}
      </span>
      <div className="d-flex gap-2">
        <Button
          size="sm"
          variant="outline-secondary"
          disabled={busy || page <= 1}
          onClick={() => onPage(Math.min(page - 1, pages))}
        >
          {t('admin.previous')}
        </Button>
        <Button
          size="sm"
          variant="outline-secondary"
          disabled={busy || page >= pages}
          onClick={() => onPage(page + 1)}
        >
          {t('admin.next')}
        </Button>
      </div>
    </nav>
  );
}
