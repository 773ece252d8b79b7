import { useState } from 'react';
import type { SyntheticEvent } from 'react';
import Alert from 'react-bootstrap/Alert';
import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';

import { useDeleteWebhook, useSetWebhook, useTestWebhook } from '../api/channels';

/** The webhook URL; a new one shows its signing secret once; a test POST on demand. */
export function WebhookSettings({ url }: { readonly url: string | null }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const set = useSetWebhook();
  const remove = useDeleteWebhook();
  const test = useTestWebhook();
  const onSubmit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (draft.trim()) set.mutate(draft.trim(), { onSuccess: () => setDraft('') });
  };
  return (
    <section aria-labelledby="webhook-title">
      <h3 id="webhook-title" className="h6">
        {t('channels.webhookTitle')}
      </h3>
      <ErrorAlert error={set.error ?? remove.error ?? test.error} />
      {set.data ? (
        <Alert variant="warning" className="py-2">
          <p className="mb-1">{t('channels.webhookSecretOnce')}</p>
          <code className="user-select-all text-break" data-testid="webhook-secret">
            {set.data.secret}
          </code>
        </Alert>
      ) : null}
      {url ? (
        <p className="text-break">
          {t('channels.webhookCurrent')}: <code>{url}</code>
        </p>
      ) : null}
      <Form noValidate onSubmit={onSubmit} className="mb-2">
        <Form.Group controlId="webhook-url" className="mb-2">
          <Form.Label>{t('channels.webhookUrl')}</Form.Label>
          <Form.Control
            type="url"
            inputMode="url"
            placeholder="https://example.com/hook"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </Form.Group>
        <Button type="submit" size="sm" disabled={set.isPending || !draft.trim()}>
          {url ? t('channels.webhookReplace') : t('channels.webhookSave')}
        </Button>
      </Form>
      {url ? (
        <div className="d-flex flex-wrap gap-2 align-items-center">
          <Button
            variant="outline-secondary"
            size="sm"
            disabled={test.isPending}
            onClick={() => test.mutate()}
          >
            {t('channels.webhookTest')}
          </Button>
          <Button
            variant="outline-danger"
            size="sm"
            disabled={remove.isPending}
            onClick={() => {
              set.reset();
              test.reset();
              remove.mutate();
            }}
          >
            {t('channels.webhookDelete')}
          </Button>
          {test.data ? (
            <span role="status" className={test.data.delivered ? 'text-success' : 'text-danger'}>
              {test.data.delivered ? t('channels.webhookDelivered') : t('channels.webhookFailed')}
              {test.data.detail ? ` (${test.data.detail})` : ''}
            </span>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
