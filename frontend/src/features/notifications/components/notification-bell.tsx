import { useState } from 'react';
import Badge from 'react-bootstrap/Badge';
import Button from 'react-bootstrap/Button';
import Dropdown from 'react-bootstrap/Dropdown';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '@/lib/format';

import { useMarkReadMutation, useNotifications } from '../api/notifications';

function browserPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The navbar bell: unread count (live via the user stream), the latest notifications. */
export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const list = useNotifications(true);
  const markRead = useMarkReadMutation();
  const [permission, setPermission] = useState(browserPermission);
  const unread = list.data?.unread_count ?? 0;
  const items = list.data?.items ?? [];
  const askPermission = () => {
    void Notification.requestPermission().then(setPermission);
  };
  return (
    <Dropdown align="end">
      <Dropdown.Toggle
        variant="outline-secondary"
        size="sm"
        id="notification-bell"
        aria-label={t('notifications.bell', { count: unread })}
      >
        <BellIcon />
        {unread > 0 ? (
          <Badge bg="danger" pill className="ms-1" aria-hidden="true" data-testid="unread-count">
            {unread > 99 ? '99+' : unread}
          </Badge>
        ) : null}
      </Dropdown.Toggle>
      <Dropdown.Menu className="notification-menu p-0" style={{ width: '22rem' }}>
        <div className="d-flex align-items-center justify-content-between px-3 py-2 border-bottom">
          <h2 className="h6 m-0">{t('notifications.title')}</h2>
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
        {items.length === 0 ? (
          <p className="px-3 py-2 m-0 text-body-secondary">
            {list.isError ? t('notifications.loadFailed') : t('notifications.empty')}
          </p>
        ) : (
          <ul className="list-unstyled m-0" style={{ maxHeight: '24rem', overflowY: 'auto' }}>
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
                <div className="small">{n.body}</div>
                <div className="small text-body-secondary">
                  {formatDateTime(Date.parse(n.created_at), i18n.language)}
                </div>
              </li>
            ))}
          </ul>
        )}
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
