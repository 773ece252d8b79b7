import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';

import { TelegramLink } from './telegram-link';
import { WebhookSettings } from './webhook-settings';
import { useNotificationSettings, useUpdateNotificationSettings } from '../api/channels';

/** The profile's alert channels: Telegram, email on/off, webhook. */
export function NotificationChannels({ telegramLinked }: { readonly telegramLinked: boolean }) {
  const { t } = useTranslation();
  const settings = useNotificationSettings();
  const update = useUpdateNotificationSettings();
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title" className="h5 mb-3">
        {t('channels.title')}
      </h2>
      <TelegramLink linked={telegramLinked} />
      <ErrorAlert error={settings.error ?? update.error} />
      {settings.data ? (
        <>
          <section aria-labelledby="email-title" className="mb-4">
            <h3 id="email-title" className="h6">
              {t('channels.emailTitle')}
            </h3>
            <Form.Check
              type="switch"
              id="email-alerts"
              label={t('channels.emailSwitch')}
              checked={settings.data.email_enabled}
              disabled={!settings.data.email_available || update.isPending}
              onChange={(e) => update.mutate({ email_enabled: e.target.checked })}
            />
            {!settings.data.email_available ? (
              <p className="small text-body-secondary mb-0">{t('channels.emailUnavailable')}</p>
            ) : null}
          </section>
          <WebhookSettings url={settings.data.webhook?.url ?? null} />
        </>
      ) : null}
    </section>
  );
}
