import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';

import { translateDynamic } from '@/i18n';

import { ApiError } from './api-errors';
import { fieldIssueMessage } from './error-message';

/**
 * Put a 422's per-field details onto the form's fields (focusing the first one).
 * Returns false when nothing mapped, so the caller shows a form-level message instead.
 */
export function applyFieldErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fields: readonly Path<T>[],
): boolean {
  if (!(error instanceof ApiError) || error.status !== 422) return false;
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

/** The error to show above a form: a 422 whose details went onto fields is not repeated there. */
export function formLevelError(error: unknown): unknown {
  if (error instanceof ApiError && error.status === 422 && error.fieldIssues.length > 0)
    return null;
  return error;
}
