import { zodResolver } from '@hookform/resolvers/zod';
import Button from 'react-bootstrap/Button';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { FormField } from '@/components/form-field';
import { applyFieldErrors, fieldErrorText, formLevelError } from '@/lib/form-errors';

import { registerSchema } from './schemas';
import type { RegisterValues } from './schemas';
import { useRegisterMutation } from '../api/auth';
import type { User } from '../api/auth';

const CODE_FIELDS = {
  email_taken: 'email',
  username_taken: 'username',
  weak_password: 'password',
} as const;

export function RegisterForm({ onSuccess }: { readonly onSuccess: (user: User) => void }) {
  const { t } = useTranslation();
  const registerUser = useRegisterMutation();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<RegisterValues>({
    resolver: zodResolver(registerSchema),
    defaultValues: { email: '', username: '', password: '', confirm: '' },
  });

  const onSubmit = handleSubmit(({ confirm: _confirm, ...body }) =>
    registerUser.mutateAsync(body).then(onSuccess, (error: unknown) => {
      applyFieldErrors(error, setError, ['email', 'username', 'password'], CODE_FIELDS);
    }),
  );

  return (
    <form noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="register-title">
      <ErrorAlert error={formLevelError(registerUser.error, CODE_FIELDS)} />
      <FormField
        label={t('auth.email')}
        type="email"
        autoComplete="email"
        error={fieldErrorText(errors.email)}
        {...register('email')}
      />
      <FormField
        label={t('auth.username')}
        autoComplete="username"
        hint={t('auth.usernameHint')}
        error={fieldErrorText(errors.username)}
        {...register('username')}
      />
      <FormField
        label={t('auth.password')}
        type="password"
        autoComplete="new-password"
        hint={t('auth.passwordHint')}
        error={fieldErrorText(errors.password)}
        {...register('password')}
      />
      <FormField
        label={t('auth.confirmPassword')}
        type="password"
        autoComplete="new-password"
        error={fieldErrorText(errors.confirm)}
        {...register('confirm')}
      />
      <Button type="submit" className="w-100" disabled={registerUser.isPending}>
        {t('auth.submitRegister')}
      </Button>
    </form>
  );
}
