import { useId, useState } from 'react';
import Badge from 'react-bootstrap/Badge';
import Button from 'react-bootstrap/Button';
import Dropdown from 'react-bootstrap/Dropdown';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '@/lib/format';

import {
  loadedItems,
  unreadCount,
  useMarkReadMutation,
  useNotifications,
} from '../api/notifications';

function browserPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * The navbar bell: the unread count (live via the user stream) and the notifications, newest
 * first, a page at a time ("show more" follows the cursor); all or unread only; mark read.
 */
export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const titleId = useId();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useNotifications(unreadOnly);
  const markRead = useMarkReadMutation();
  const [permission, setPermission] = useState(browserPermission);
  const unread = unreadCount(list.data);
  const items = loadedItems(list.data);
  const askPermission = () => {
    void Notification.requestPermission().then(setPermission);
  };
  return (
    // compact, one width whatever the count (the navbar must fit 1280 px): no caret (a prefix
    // other than dropdown-toggle), the count on the button's corner; margin for the badge's half
    <Dropdown align="end" className="me-1">
      <Dropdown.Toggle
        bsPrefix="notification-bell"
        variant="outline-secondary"
        size="sm"
        className="position-relative"
        id="notification-bell"
        aria-label={t('notifications.bell', { count: unread })}
      >
        <BellIcon />
        {unread > 0 ? (
          <Badge
            bg="danger"
            pill
            className="position-absolute top-0 start-100 translate-middle"
            aria-hidden="true"
            data-testid="unread-count"
          >
            {unread > 99 ? '99+' : unread}
          </Badge>
        ) : null}
      </Dropdown.Toggle>
      <Dropdown.Menu className="notification-menu p-0" style={{ width: '22rem' }}>
        <div className="d-flex align-items-center justify-content-between px-3 py-2 border-bottom">
          <h2 className="h6 m-0" id={titleId}>
            {t('notifications.title')}
          </h2>
          <Button
            variant="link"
            size="sm"
            className="p-0"
            disabled={unread === 0 || markRead.isPending}
            onClick={() => markRead.mutate(null)}
          >
            {t('notifications.readAll')}
          </Button>
        </div>
        <div className="px-3 py-1 border-bottom">
          <Form.Check
            type="switch"
            id={`${titleId}-unread`}
            className="small mb-0"
            label={t('notifications.unreadOnly')}
            checked={unreadOnly}
            onChange={(e) => setUnreadOnly(e.target.checked)}
          />
        </div>
        {items.length === 0 ? (
          <p className="px-3 py-2 m-0 text-body-secondary">
            {list.isError
              ? t('notifications.loadFailed')
              : list.isPending
                ? t('app.loading')
                : t('notifications.empty')}
          </p>
        ) : (
          <ul
            className="list-unstyled m-0"
            aria-labelledby={titleId}
            style={{ maxHeight: '24rem', overflowY: 'auto' }}
          >
            {items.map((n) => (
              <li key={n.id} className="px-3 py-2 border-bottom">
                <div className="d-flex justify-content-between gap-2">
                  <strong className={n.read_at ? 'fw-normal' : undefined}>{n.title}</strong>
                  {n.read_at === null ? (
                    <Button
                      variant="link"
                      size="sm"
                      className="p-0 text-nowrap"
                      onClick={() => markRead.mutate(n.id)}
                      aria-label={t('notifications.markReadOf', { title: n.title })}
                    >
                      {t('notifications.markRead')}
                    </Button>
                  ) : null}
                </div>
                <div className="small" style={{ whiteSpace: 'pre-line' }}>
                  {n.body}
                </div>
                <div className="small text-body-secondary">
                  {formatDateTime(Date.parse(n.created_at), i18n.language)}
                </div>
              </li>
            ))}
          </ul>
        )}
        {list.hasNextPage ? (
          <div className="px-3 py-1 text-center border-bottom">
            <Button
              variant="link"
              size="sm"
              disabled={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
            >
              {list.isFetchingNextPage ? t('app.loading') : t('notifications.showMore')}
            </Button>
          </div>
        ) : null}
        {permission === 'default' ? (
          <div className="px-3 py-2">
            <Button variant="outline-primary" size="sm" onClick={askPermission}>
              {t('notifications.allowBrowser')}
            </Button>
          </div>
        ) : null}
      </Dropdown.Menu>
    </Dropdown>
  );
}

/** Bootstrap Icons' "bell" (MIT), inline: an emoji bell needs a font the system may lack (headless
 * Chromium on Debian drew an empty box). */
function BellIcon() {
  return (
    <svg
      aria-hidden="true"
      focusable="false"
      width="16"
      height="16"
      viewBox="0 0 16 16"
      fill="currentColor"
      style={{ verticalAlign: '-0.125em' }}
    >
      <path d="M8 16a2 2 0 0 0 2-2H6a2 2 0 0 0 2 2M8 1.918l-.797.161A4 4 0 0 0 4 6c0 .628-.134 2.197-.459 3.742-.16.767-.376 1.566-.663 2.258h10.244c-.287-.692-.502-1.49-.663-2.258C12.134 8.197 12 6.628 12 6a4 4 0 0 0-3.203-3.92zM14.22 12c.223.447.481.801.78 1H1c.299-.199.557-.553.78-1C2.68 10.2 3 6.88 3 6c0-2.42 1.72-4.44 4.005-4.901a1 1 0 1 1 1.99 0A5 5 0 0 1 13 6c0 .88.32 4.2 1.22 6" />
    </svg>
  );
}
