import { useState } from 'react';
import type { SyntheticEvent } from 'react';
import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import type { LogFilters, LogLevel } from '../api/system';

const SOURCES = ['all', 'api', 'worker', 'security'] as const;
const LEVELS: (LogLevel | '')[] = ['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const LIMITS = [100, 200, 500, 1000];

/** The log filters; applied on submit (a text filter re-reads the files, not on each key). */
export function LogsFilters({
  value,
  onApply,
}: {
  readonly value: LogFilters;
  readonly onApply: (filters: LogFilters) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // the page changed the filters (a request id clicked): show them
    setShown(value);
    setDraft(value);
  }
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    onApply({ ...draft, q: draft.q.trim(), requestId: draft.requestId.trim() });
  };
  return (
    <Form className="row g-2 align-items-end mb-3" onSubmit={submit}>
      <Form.Group className="col-6 col-md-2" controlId="logs-source">
        <Form.Label>{t('adminSystem.logs.source')}</Form.Label>
        <Form.Select
          value={draft.source}
          onChange={(e) => setDraft({ ...draft, source: e.target.value as LogFilters['source'] })}
        >
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {t(`adminSystem.logs.sources.${s}`)}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <Form.Group className="col-6 col-md-2" controlId="logs-level">
        <Form.Label>{t('adminSystem.logs.level')}</Form.Label>
        <Form.Select
          value={draft.level}
          onChange={(e) => setDraft({ ...draft, level: e.target.value as LogLevel | '' })}
        >
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l
                ? t('adminSystem.logs.levelAtLeast', { level: l })
                : t('adminSystem.logs.anyLevel')}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <Form.Group className="col-12 col-md-3" controlId="logs-q">
        <Form.Label>{t('adminSystem.logs.text')}</Form.Label>
        <Form.Control
          type="search"
          maxLength={100}
          value={draft.q}
          onChange={(e) => setDraft({ ...draft, q: e.target.value })}
        />
      </Form.Group>
      <Form.Group className="col-12 col-md-3" controlId="logs-request-id">
        <Form.Label>{t('adminSystem.logs.requestId')}</Form.Label>
        <Form.Control
          type="search"
          maxLength={128}
          pattern="[A-Za-z0-9._:\-]{1,128}"
          value={draft.requestId}
          onChange={(e) => setDraft({ ...draft, requestId: e.target.value })}
        />
      </Form.Group>
      <Form.Group className="col-6 col-md-1" controlId="logs-limit">
        <Form.Label>{t('adminSystem.logs.limit')}</Form.Label>
        <Form.Select
          value={draft.limit}
          onChange={(e) => setDraft({ ...draft, limit: Number(e.target.value) })}
        >
          {LIMITS.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <div className="col-6 col-md-1">
        <Button type="submit" className="w-100">
          {t('adminSystem.logs.apply')}
        </Button>
      </div>
    </Form>
  );
}
