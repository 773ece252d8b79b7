import { zodResolver } from '@hookform/resolvers/zod';
import Button from 'react-bootstrap/Button';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { FormField } from '@/components/form-field';
import { clearSession } from '@/lib/auth-session';
import { applyFieldErrors, fieldErrorText, formLevelError } from '@/lib/form-errors';

import { passwordSchema } from './schemas';
import type { PasswordValues } from './schemas';
import { useChangePasswordMutation } from '../api/auth';

const EMPTY: PasswordValues = { current_password: '', new_password: '', confirm: '' };

const CODE_FIELDS = {
  wrong_password: 'current_password',
  weak_password: 'new_password',
} as const;

/**
 * The API revokes every session of the user on a password change (this one too), so on success
 * the local session ends as well.
 */
export function PasswordForm() {
  const { t } = useTranslation();
  const change = useChangePasswordMutation();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<PasswordValues>({ resolver: zodResolver(passwordSchema), defaultValues: EMPTY });

  const onSubmit = handleSubmit(({ confirm: _confirm, ...body }) =>
    change.mutateAsync(body).then(
      () => {
        reset(EMPTY);
        // the guard then sends the user to the login page, which says why
        clearSession('password_changed');
      },
      (error: unknown) => {
        applyFieldErrors(error, setError, ['current_password', 'new_password'], CODE_FIELDS);
      },
    ),
  );

  return (
    <form noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="password-title">
      <h2 id="password-title" className="h5 mb-3">
        {t('profile.passwordTitle')}
      </h2>
      <ErrorAlert error={formLevelError(change.error, CODE_FIELDS)} />
      <FormField
        label={t('profile.currentPassword')}
        type="password"
        autoComplete="current-password"
        error={fieldErrorText(errors.current_password)}
        {...register('current_password')}
      />
      <FormField
        label={t('profile.newPassword')}
        type="password"
        autoComplete="new-password"
        hint={t('auth.passwordHint')}
        error={fieldErrorText(errors.new_password)}
        {...register('new_password')}
      />
      <FormField
        label={t('profile.confirmNewPassword')}
        type="password"
        autoComplete="new-password"
        error={fieldErrorText(errors.confirm)}
        {...register('confirm')}
      />
      <Button type="submit" disabled={change.isPending}>
        {t('profile.changePassword')}
      </Button>
    </form>
  );
}
