import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';

import { translateDynamic } from '@/i18n';

import { ApiError } from './api-errors';
import { errorMessage, fieldIssueMessage } from './error-message';

/**
 * Put a 422's per-field details onto the form's fields (focusing the first one).
 * Returns false when nothing mapped, so the caller shows a form-level message instead.
 */
export function applyFieldErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fields: readonly Path<T>[],
  codeFields: Partial<Record<string, Path<T>>> = {},
): boolean {
  if (!(error instanceof ApiError)) return false;
  const codeField = codeFields[error.code];
  if (codeField) {
    setError(codeField, { type: 'server', message: codeErrorText(error) }, { shouldFocus: true });
    return true;
  }
  if (error.status !== 422) return false;
  let mapped = false;
  for (const issue of error.fieldIssues) {
    const field = fields.find((name) => name === issue.field);
    if (!field) continue;
    setError(
      field,
      { type: 'server', message: fieldIssueMessage(issue) },
      { shouldFocus: !mapped },
    );
    mapped = true;
  }
  return mapped;
}

/**
 * Zod messages are i18n keys, optionally with a count: "validation.minLength|8".
 * Server messages (already translated) pass through unchanged.
 */
export function fieldErrorText(
  error: { message?: string | undefined } | undefined,
): string | undefined {
  const message = error?.message;
  if (!message) return undefined;
  const [key = message, count] = message.split('|');
  return translateDynamic(key, message, count === undefined ? undefined : { count: Number(count) });
}

/** The error to show above a form: one that went onto a field is not repeated there. */
export function formLevelError(
  error: unknown,
  codeFields: Partial<Record<string, string>> = {},
): unknown {
  if (!(error instanceof ApiError)) return error;
  if (codeFields[error.code]) return null;
  if (error.status === 422 && error.fieldIssues.length > 0) return null;
  return error;
}

/** e.g. weak_password with details.reasons -> "This password is too weak: not a common …". */
function codeErrorText(error: ApiError): string {
  const base = errorMessage(error);
  const reasons =
    typeof error.details === 'object' && error.details !== null && 'reasons' in error.details
      ? error.details.reasons
      : null;
  if (!Array.isArray(reasons) || reasons.length === 0) return base;
  const texts = reasons
    .filter((r): r is string => typeof r === 'string')
    .map((r) => translateDynamic(`passwordReasons.${r}`, r));
  return `${base.replace(/\.$/, '')}: ${texts.join('; ')}.`;
}
