import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import Button from 'react-bootstrap/Button';
import Col from 'react-bootstrap/Col';
import Form from 'react-bootstrap/Form';
import Row from 'react-bootstrap/Row';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { FormField } from '@/components/form-field';
import { useSymbols } from '@/features/market/api/market';

import { CurrentPrice } from './current-price';
import { CurrentRsi } from './current-rsi';
import { CONDITIONS, EXTRA_CHANNELS, useCreateAlert, useUpdateAlert } from '../api/alerts';
import type { Alert, Channel, Condition } from '../api/alerts';
import {
  CHANGE_WINDOWS,
  initialValues,
  RSI_INTERVALS,
  toAlertInput,
  toAlertPatch,
  usesInterval,
  usesWindow,
} from '../lib/alert-form';
import type { AlertFormErrors, AlertFormValues, RsiInterval } from '../lib/alert-form';

/** Create an alert, or edit `alert`; the symbol's live price sits beside the value. */
export function AlertForm({
  alert,
  symbol = 'BTCUSDT',
  value = '',
  onDone,
}: {
  readonly alert?: Alert;
  readonly symbol?: string;
  readonly value?: string;
  readonly onDone?: () => void;
}) {
  const { t } = useTranslation();
  const idBase = useId();
  const symbols = useSymbols();
  const create = useCreateAlert();
  const update = useUpdateAlert();
  const mutation = alert ? update : create;
  const [values, setValues] = useState<AlertFormValues>(() => initialValues(alert, symbol, value));
  const [errors, setErrors] = useState<AlertFormErrors>({});
  const set = <K extends keyof AlertFormValues>(key: K, v: AlertFormValues[K]) =>
    setValues((old) => ({ ...old, [key]: v }));
  const toggleChannel = (channel: Channel, on: boolean) =>
    set(
      'channels',
      on ? [...values.channels, channel] : values.channels.filter((c) => c !== channel),
    );

  const onSubmit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = toAlertInput(values);
    if ('errors' in result) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    const done = () => {
      if (!alert) setValues(initialValues(undefined, values.symbol, ''));
      onDone?.();
    };
    if (alert)
      update.mutate({ id: alert.id, body: toAlertPatch(result.input) }, { onSuccess: done });
    else create.mutate(result.input, { onSuccess: done });
  };

  const valueLabel =
    values.condition === 'change_pct'
      ? t('alerts.valuePercent')
      : usesInterval(values.condition)
        ? t('alerts.valueRsi')
        : t('alerts.valuePrice');
  const err = (key: keyof AlertFormErrors) =>
    errors[key] ? t(`alerts.errors.${errors[key]}` as 'alerts.errors.value') : undefined;

  return (
    <Form
      noValidate
      onSubmit={onSubmit}
      aria-label={alert ? t('alerts.editTitle') : t('alerts.createTitle')}
    >
      <Row className="g-3">
        <Col sm={6}>
          <Form.Group controlId={`${idBase}-symbol`}>
            <Form.Label>{t('alerts.symbol')}</Form.Label>
            <Form.Select
              value={values.symbol}
              disabled={Boolean(alert)}
              onChange={(e) => set('symbol', e.target.value)}
            >
              {(symbols.data ?? [{ symbol: values.symbol }]).map((s) => (
                <option key={s.symbol} value={s.symbol}>
                  {s.symbol}
                </option>
              ))}
            </Form.Select>
          </Form.Group>
        </Col>
        <Col sm={6}>
          <Form.Group controlId={`${idBase}-condition`}>
            <Form.Label>{t('alerts.condition')}</Form.Label>
            <Form.Select
              value={values.condition}
              onChange={(e) => set('condition', e.target.value as Condition)}
            >
              {CONDITIONS.map((c) => (
                <option key={c} value={c}>
                  {t(`alerts.conditions.${c}`)}
                </option>
              ))}
            </Form.Select>
          </Form.Group>
        </Col>
        <Col sm={6}>
          <FormField
            className="mb-0"
            label={valueLabel}
            inputMode="decimal"
            autoComplete="off"
            value={values.value}
            error={err('value')}
            onChange={(e) => set('value', e.target.value)}
          />
        </Col>
        <Col sm={6} className="d-flex align-items-end">
          <CurrentPrice symbol={values.symbol} onUse={(price) => set('value', price)} />
        </Col>
        {usesInterval(values.condition) ? (
          <Col sm={6}>
            <Form.Group controlId={`${idBase}-interval`}>
              <Form.Label>{t('alerts.interval')}</Form.Label>
              <Form.Select
                value={values.interval}
                onChange={(e) => set('interval', e.target.value as RsiInterval)}
              >
                {RSI_INTERVALS.map((i) => (
                  <option key={i}>{i}</option>
                ))}
              </Form.Select>
            </Form.Group>
          </Col>
        ) : null}
        {usesInterval(values.condition) ? (
          <Col sm={6} className="d-flex align-items-end">
            <CurrentRsi symbol={values.symbol} interval={values.interval} />
          </Col>
        ) : null}
        {usesWindow(values.condition) ? (
          <>
            <Col sm={6}>
              <Form.Group controlId={`${idBase}-window`}>
                <Form.Label>{t('alerts.window')}</Form.Label>
                <Form.Select value={values.window} onChange={(e) => set('window', e.target.value)}>
                  {CHANGE_WINDOWS.map((w) => (
                    <option key={w}>{w}</option>
                  ))}
                </Form.Select>
              </Form.Group>
            </Col>
            <Col sm={6}>
              <Form.Group controlId={`${idBase}-direction`}>
                <Form.Label>{t('alerts.direction')}</Form.Label>
                <Form.Select
                  value={values.direction}
                  onChange={(e) => set('direction', e.target.value as AlertFormValues['direction'])}
                >
                  {(['any', 'up', 'down'] as const).map((d) => (
                    <option key={d} value={d}>
                      {t(`alerts.directions.${d}`)}
                    </option>
                  ))}
                </Form.Select>
              </Form.Group>
            </Col>
          </>
        ) : null}
        <Col sm={6}>
          <Form.Check
            id={`${idBase}-recurring`}
            type="switch"
            label={t('alerts.recurring')}
            checked={values.recurring}
            onChange={(e) => set('recurring', e.target.checked)}
          />
          {values.recurring ? (
            <FormField
              className="mt-2 mb-0"
              label={t('alerts.cooldown')}
              inputMode="numeric"
              value={values.cooldownMin}
              error={err('cooldownMin')}
              onChange={(e) => set('cooldownMin', e.target.value)}
            />
          ) : null}
        </Col>
        <Col sm={6}>
          <FormField
            className="mb-0"
            type="datetime-local"
            label={t('alerts.expiresAt')}
            hint={t('alerts.expiresHint')}
            value={values.expiresAt}
            error={err('expiresAt')}
            onChange={(e) => set('expiresAt', e.target.value)}
          />
        </Col>
        <Col xs={12}>
          <FormField
            className="mb-0"
            label={t('alerts.note')}
            maxLength={200}
            value={values.note}
            onChange={(e) => set('note', e.target.value)}
          />
        </Col>
        <Col xs={12}>
          <fieldset>
            <legend className="form-label fs-6">{t('alerts.channels')}</legend>
            <Form.Check
              inline
              id={`${idBase}-ch-app`}
              label={t('alerts.channel.app')}
              checked
              disabled
              readOnly
            />
            {EXTRA_CHANNELS.map((c) => (
              <Form.Check
                inline
                key={c}
                id={`${idBase}-ch-${c}`}
                label={t(`alerts.channel.${c}` as 'alerts.channel.app')}
                checked={values.channels.includes(c)}
                onChange={(e) => toggleChannel(c, e.target.checked)}
              />
            ))}
          </fieldset>
        </Col>
        <Col xs={12}>
          <ErrorAlert error={mutation.error} />
          <Button type="submit" disabled={mutation.isPending}>
            {alert ? t('alerts.save') : t('alerts.create')}
          </Button>
          {onDone && alert ? (
            <Button variant="link" onClick={onDone}>
              {t('alerts.cancel')}
            </Button>
          ) : null}
        </Col>
      </Row>
    </Form>
  );
}
