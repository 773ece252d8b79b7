import i18next from 'i18next';

import { translateDynamic } from '@/i18n';
import { ApiError } from '@/lib/api-errors';
import { errorMessage } from '@/lib/error-message';

import type { TicketIssue } from './checks';

/** An order rejection in the user's language: errors.<code>, then Binance's reason and code. */
export function rejectReason(error: unknown): string {
  const base = errorMessage(error);
  if (!(error instanceof ApiError)) return base;
  const details = (
    typeof error.details === 'object' && error.details !== null ? error.details : {}
  ) as { binance_code?: unknown; msg?: unknown; filter?: unknown };
  if (typeof details.binance_code !== 'number') return base;
  const msg = typeof details.msg === 'string' ? details.msg : '';
  const reason =
    typeof details.filter === 'string'
      ? translateDynamic(`trading.filters.${details.filter}`, msg)
      : translateDynamic(`trading.binance.c${Math.abs(details.binance_code)}`, msg);
  return i18next.t('trading.rejected', {
    base: base.replace(/\.$/, ''),
    reason,
    code: String(details.binance_code),
  });
}

export function issueText(issue: TicketIssue): string {
  return translateDynamic(`trading.issues.${issue.code}`, issue.code, issue.params);
}

export function statusText(status: string): string {
  return translateDynamic(`trading.statuses.${status}`, status);
}

export function typeText(type: string): string {
  return translateDynamic(`trading.types.${type}`, type);
}
