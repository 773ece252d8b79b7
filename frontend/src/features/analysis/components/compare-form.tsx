import { useState } from 'react';
import type { SyntheticEvent } from 'react';
import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

export interface CompareQuery {
  readonly symbols: readonly string[];
  readonly interval: string;
  readonly limit: number;
}

export const COMPARE_LIMIT = { min: 10, max: 1000 } as const;

/** Symbols (2 to 10), interval and number of candles of a comparison. */
export function CompareForm({
  value,
  symbols,
  intervals,
  onSubmit,
}: {
  readonly value: CompareQuery;
  readonly symbols: readonly string[];
  readonly intervals: readonly string[];
  readonly onSubmit: (next: CompareQuery) => void;
}) {
  const { t } = useTranslation();
  const [picked, setPicked] = useState<readonly string[]>(value.symbols);
  const [interval, setInterval] = useState(value.interval);
  const [limit, setLimit] = useState(String(value.limit));
  const limitNumber = Number(limit);
  const limitOk =
    Number.isInteger(limitNumber) &&
    limitNumber >= COMPARE_LIMIT.min &&
    limitNumber <= COMPARE_LIMIT.max;
  const symbolsOk = picked.length >= 2 && picked.length <= 10;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (limitOk && symbolsOk) onSubmit({ symbols: picked, interval, limit: limitNumber });
  };
  return (
    <Form onSubmit={submit} noValidate className="border rounded p-3 mb-3">
      <fieldset className="mb-2">
        <legend className="fs-6">{t('compare.symbols')}</legend>
        <div className="d-flex flex-wrap gap-3">
          {symbols.map((s) => (
            <Form.Check
              key={s}
              id={`cmp-${s}`}
              label={s}
              checked={picked.includes(s)}
              onChange={(e) =>
                setPicked(e.target.checked ? [...picked, s] : picked.filter((p) => p !== s))
              }
            />
          ))}
        </div>
        {symbolsOk ? null : (
          <div className="small text-danger-emphasis mt-1" role="alert">
            {t('compare.pickMore')}
          </div>
        )}
      </fieldset>
      <div className="d-flex flex-wrap gap-3 align-items-end">
        <Form.Group controlId="cmp-interval">
          <Form.Label className="small mb-1">{t('compare.interval')}</Form.Label>
          <Form.Select size="sm" value={interval} onChange={(e) => setInterval(e.target.value)}>
            {intervals.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
        <Form.Group controlId="cmp-limit">
          <Form.Label className="small mb-1">{t('compare.period')}</Form.Label>
          <Form.Control
            size="sm"
            type="number"
            min={COMPARE_LIMIT.min}
            max={COMPARE_LIMIT.max}
            value={limit}
            isInvalid={!limitOk}
            aria-describedby="cmp-limit-hint"
            onChange={(e) => setLimit(e.target.value)}
            style={{ width: '7rem' }}
          />
          <Form.Text id="cmp-limit-hint" className="d-block">
            {t('compare.periodHint', COMPARE_LIMIT)}
          </Form.Text>
        </Form.Group>
        <Button type="submit" size="sm" disabled={!limitOk || !symbolsOk}>
          {t('compare.submit')}
        </Button>
      </div>
    </Form>
  );
}
