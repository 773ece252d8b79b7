import { useState } from 'react';
import type { SyntheticEvent } from 'react';
import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import type { EvaluationBody, ModelInfo } from '../api/types';

/** A model and a period (UTC days, end exclusive) to evaluate it on, one step ahead. */
export function EvaluationForm({
  models,
  busy,
  onEvaluate,
}: {
  readonly models: readonly ModelInfo[];
  readonly busy: boolean;
  readonly onEvaluate: (body: EvaluationBody) => void;
}) {
  const { t, i18n } = useTranslation();
  const [modelId, setModelId] = useState(models[0]?.model_id ?? '');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const chosen = models.some((m) => m.model_id === modelId) ? modelId : (models[0]?.model_id ?? '');
  const ordered = start !== '' && end !== '' && end > start;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!ordered || !chosen) return;
    onEvaluate({ model_id: chosen, start: `${start}T00:00:00Z`, end: `${end}T00:00:00Z` });
  };
  const day = (ms: number) =>
    new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeZone: 'UTC' }).format(ms);
  return (
    <Form onSubmit={submit} noValidate className="d-flex flex-wrap gap-3 align-items-end mb-3">
      <Form.Group controlId="ev-model">
        <Form.Label className="small mb-1">{t('forecast.model')}</Form.Label>
        <Form.Select size="sm" value={chosen} onChange={(e) => setModelId(e.target.value)}>
          {models.map((m) => (
            <option key={m.model_id} value={m.model_id}>
              {m.model_id} ({day(m.data_start)} – {day(m.data_end)})
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <Form.Group controlId="ev-start">
        <Form.Label className="small mb-1">{t('forecast.start')}</Form.Label>
        <Form.Control
          size="sm"
          type="date"
          value={start}
          onChange={(e) => setStart(e.target.value)}
        />
      </Form.Group>
      <Form.Group controlId="ev-end">
        <Form.Label className="small mb-1">{t('forecast.end')}</Form.Label>
        <Form.Control
          size="sm"
          type="date"
          value={end}
          isInvalid={start !== '' && end !== '' && !ordered}
          onChange={(e) => setEnd(e.target.value)}
        />
      </Form.Group>
      <Button type="submit" size="sm" disabled={!ordered || !chosen || busy}>
        {t('forecast.evaluate')}
      </Button>
    </Form>
  );
}
