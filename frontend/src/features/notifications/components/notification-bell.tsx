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
        <span aria-hidden="true">🔔</span>
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
