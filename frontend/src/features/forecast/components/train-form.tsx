import { useState } from 'react';
import type { SyntheticEvent } from 'react';
import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import type { Interval, TrainBody } from '../api/types';

/** The API's bounds (backend/forecasting/schemas.py TrainIn). */
export const TRAIN_FIELDS = [
  { name: 'epochs', min: 1, max: 200, default: 30 },
  { name: 'lookback', min: 8, max: 336, default: 48 },
  { name: 'hidden', min: 4, max: 256, default: 32 },
  { name: 'layers', min: 1, max: 3, default: 1 },
  { name: 'seed', min: 0, max: 2_147_483_647, default: 42 },
] as const;

type FieldName = (typeof TRAIN_FIELDS)[number]['name'];

/** Symbol, interval and the LSTM's bounded hyperparameters; the symbol/interval drive the page. */
export function TrainForm({
  symbol,
  interval,
  symbols,
  intervals,
  busy,
  onTarget,
  onTrain,
}: {
  readonly symbol: string;
  readonly interval: Interval;
  readonly symbols: readonly string[];
  readonly intervals: readonly Interval[];
  readonly busy: boolean;
  readonly onTarget: (symbol: string, interval: Interval) => void;
  readonly onTrain: (body: TrainBody) => void;
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<FieldName, string>>(
    () =>
      Object.fromEntries(TRAIN_FIELDS.map((f) => [f.name, String(f.default)])) as Record<
        FieldName,
        string
      >,
  );
  const [trainEnd, setTrainEnd] = useState('');
  const valid = (name: FieldName) => {
    const f = TRAIN_FIELDS.find((x) => x.name === name);
    const v = Number(values[name]);
    return (
      f !== undefined && values[name] !== '' && Number.isInteger(v) && v >= f.min && v <= f.max
    );
  };
  const allValid = TRAIN_FIELDS.every((f) => valid(f.name));
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!allValid) return;
    const n = (name: FieldName) => Number(values[name]);
    const body: TrainBody = {
      symbol,
      interval,
      epochs: n('epochs'),
      lookback: n('lookback'),
      hidden: n('hidden'),
      layers: n('layers'),
      seed: n('seed'),
    };
    if (trainEnd) body.train_end = `${trainEnd}T00:00:00Z`;
    onTrain(body);
  };
  return (
    <Form
      onSubmit={submit}
      noValidate
      className="border rounded p-3 mb-3"
      aria-labelledby="train-title"
    >
      <h2 id="train-title" className="h5">
        {t('forecast.trainTitle')}
      </h2>
      <p className="small text-body-secondary">{t('forecast.trainHint')}</p>
      <div className="d-flex flex-wrap gap-3 align-items-end">
        <Form.Group controlId="fc-symbol">
          <Form.Label className="small mb-1">{t('forecast.symbol')}</Form.Label>
          <Form.Select
            size="sm"
            value={symbol}
            onChange={(e) => onTarget(e.target.value, interval)}
          >
            {(symbols.includes(symbol) ? symbols : [symbol, ...symbols]).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
        <Form.Group controlId="fc-interval">
          <Form.Label className="small mb-1">{t('forecast.interval')}</Form.Label>
          <Form.Select
            size="sm"
            value={interval}
            onChange={(e) => onTarget(symbol, e.target.value as Interval)}
          >
            {intervals.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
        {TRAIN_FIELDS.map((f) => (
          <Form.Group key={f.name} controlId={`fc-${f.name}`}>
            <Form.Label className="small mb-1">{t(`forecast.fields.${f.name}`)}</Form.Label>
            <Form.Control
              size="sm"
              type="number"
              min={f.min}
              max={f.max}
              value={values[f.name]}
              isInvalid={!valid(f.name)}
              title={t('forecast.range', { min: f.min, max: f.max })}
              onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              style={{ width: f.name === 'seed' ? '8rem' : '5.5rem' }}
            />
          </Form.Group>
        ))}
        <Form.Group controlId="fc-train-end">
          <Form.Label className="small mb-1">{t('forecast.trainEnd')}</Form.Label>
          <Form.Control
            size="sm"
            type="date"
            value={trainEnd}
            onChange={(e) => setTrainEnd(e.target.value)}
          />
        </Form.Group>
        <Button type="submit" size="sm" disabled={!allValid || busy}>
          {t('forecast.train')}
        </Button>
      </div>
    </Form>
  );
}
