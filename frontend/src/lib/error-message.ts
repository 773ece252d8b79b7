import i18next from 'i18next';

import { translateDynamic } from '@/i18n';

import { ApiError } from './api-errors';
import type { FieldIssue } from './api-errors';

/** One human sentence for any failure: the API's code through `errors.<code>`, else its text. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const fallback = error.message || i18next.t('errors.generic');
    if (error.retryAfter !== null) {
      return translateDynamic(`errors.${error.code}`, fallback, { count: error.retryAfter });
    }
    return translateDynamic(`errors.${error.code}`, fallback);
  }
  if (error instanceof TypeError) return i18next.t('errors.network');
  return i18next.t('errors.generic');
}

/** A 422 issue in the user's language when we know its pydantic type, else the server's text. */
export function fieldIssueMessage(issue: FieldIssue): string {
  switch (issue.type) {
    case 'missing':
      return i18next.t('validation.required');
    case 'string_too_short':
      return typeof issue.ctx.min_length === 'number'
        ? i18next.t('validation.minLength', { count: issue.ctx.min_length })
        : issue.message;
    case 'string_too_long':
      return typeof issue.ctx.max_length === 'number'
        ? i18next.t('validation.maxLength', { count: issue.ctx.max_length })
        : issue.message;
    case 'value_error':
      return issue.field === 'email' ? i18next.t('validation.email') : issue.message;
    default:
      return issue.message || i18next.t('errors.validation_error');
  }
}
