import { isDecimal, sign } from '@/lib/decimal';

import type { Alert, AlertInput, AlertPatch, Channel, Condition } from '../api/alerts';

/** The alert form's fields as the inputs hold them (strings until sent). */
export interface AlertFormValues {
  symbol: string;
  condition: Condition;
  value: string;
  interval: RsiInterval;
  window: string;
  direction: 'up' | 'down' | 'any';
  recurring: boolean;
  cooldownMin: string;
  /** `datetime-local` text in the browser's zone, '' for none. */
  expiresAt: string;
  note: string;
  channels: Channel[];
}

export type AlertFormErrors = Partial<Record<'value' | 'cooldownMin' | 'expiresAt', string>>;

export const RSI_INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type RsiInterval = (typeof RSI_INTERVALS)[number];
const DIRECTIONS = ['up', 'down', 'any'] as const;
const CHANNELS: readonly Channel[] = ['app', 'telegram', 'email', 'webhook'];
export const CHANGE_WINDOWS = ['5m', '15m', '1h', '4h', '24h'] as const;

export function usesInterval(condition: Condition): boolean {
  return condition === 'rsi_above' || condition === 'rsi_below';
}

export function usesWindow(condition: Condition): boolean {
  return condition === 'change_pct';
}

function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function initialValues(
  alert: Alert | undefined,
  symbol: string,
  value: string,
): AlertFormValues {
  return {
    symbol: alert?.symbol ?? symbol,
    condition: alert?.condition ?? 'price_crosses',
    value: alert?.value ?? value,
    interval: RSI_INTERVALS.find((i) => i === alert?.interval) ?? '1h',
    window: alert?.window ?? '1h',
    direction: DIRECTIONS.find((d) => d === alert?.direction) ?? 'any',
    recurring: alert?.recurring ?? false,
    cooldownMin: alert ? String(Math.max(1, Math.round(alert.cooldown_s / 60))) : '60',
    expiresAt: localInput(alert?.expires_at),
    note: alert?.note ?? '',
    channels: alert ? CHANNELS.filter((c) => alert.channels.includes(c)) : ['app'],
  };
}

/** The API body, or the field errors (message keys of `alerts.errors`) that keep it unsent. */
export function toAlertInput(
  values: AlertFormValues,
  now: number = Date.now(),
): { input: AlertInput } | { errors: AlertFormErrors } {
  const errors: AlertFormErrors = {};
  const value = values.value.trim().replace(',', '.');
  if (!isDecimal(value) || sign(value) <= 0) errors.value = 'value';
  const cooldown = Number(values.cooldownMin.replace(',', '.'));
  if (values.recurring && (!Number.isFinite(cooldown) || cooldown < 1))
    errors.cooldownMin = 'cooldown';
  let expiresAt: string | null = null;
  if (values.expiresAt) {
    const at = new Date(values.expiresAt).getTime();
    if (Number.isNaN(at) || at <= now) errors.expiresAt = 'expiry';
    else expiresAt = new Date(at).toISOString();
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    input: {
      symbol: values.symbol,
      condition: values.condition,
      value,
      interval: usesInterval(values.condition) ? values.interval : null,
      window: usesWindow(values.condition) ? values.window : null,
      direction: usesWindow(values.condition) ? values.direction : null,
      recurring: values.recurring,
      cooldown_s: values.recurring ? Math.round(cooldown * 60) : 60,
      expires_at: expiresAt,
      note: values.note.trim() || null,
      channels: values.channels.includes('app') ? values.channels : ['app', ...values.channels],
    },
  };
}

/** An edit's body: the create body less what an edit cannot change (symbol, condition). */
export function toAlertPatch(input: AlertInput): AlertPatch {
  const { symbol: _symbol, condition: _condition, ...patch } = input;
  return patch;
}
