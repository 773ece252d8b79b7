import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { authKeys } from '@/features/auth/api/auth';

import { useTelegramLink, useTelegramUnlink } from '../api/channels';

/** How often /users/me is asked while a link code waits for the user's `/start <code>`. */
const LINK_POLL_MS = 3000;

/** Link (a one-time code and a deep link to the bot) or unlink the user's Telegram chat. */
export function TelegramLink({ linked }: { readonly linked: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const link = useTelegramLink();
  const unlink = useTelegramUnlink();
  const code = linked ? null : link.data;
  useEffect(() => {
    if (!code) return undefined;
    const timer = setInterval(() => {
      void queryClient.invalidateQueries({ queryKey: authKeys.me });
    }, LINK_POLL_MS);
    return () => clearInterval(timer);
  }, [code, queryClient]);

  return (
    <section aria-labelledby="telegram-title" className="mb-4">
      <h3 id="telegram-title" className="h6">
        {t('channels.telegramTitle')}
      </h3>
      <ErrorAlert error={link.error ?? unlink.error} />
      {linked ? (
        <>
          <p>{t('channels.telegramLinked')}</p>
          <Button
            variant="outline-danger"
            size="sm"
            disabled={unlink.isPending}
            onClick={() => {
              link.reset();
              unlink.mutate();
            }}
          >
            {t('channels.telegramUnlink')}
          </Button>
        </>
      ) : code ? (
        <div aria-live="polite">
          <p className="mb-1">{t('channels.telegramSteps')}</p>
          <p className="mb-1">
            <a href={code.url} target="_blank" rel="noreferrer">
              {t('channels.telegramOpen')}
            </a>
          </p>
          <p className="mb-0">
            {t('channels.telegramCode')}: <code className="fs-6">/start {code.code}</code>
          </p>
        </div>
      ) : (
        <>
          <p className="text-body-secondary">{t('channels.telegramText')}</p>
          <Button size="sm" disabled={link.isPending} onClick={() => link.mutate()}>
            {t('channels.telegramLink')}
          </Button>
        </>
      )}
    </section>
  );
}
