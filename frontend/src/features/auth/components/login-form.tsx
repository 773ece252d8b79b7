import { zodResolver } from '@hookform/resolvers/zod';
import Button from 'react-bootstrap/Button';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { FormField } from '@/components/form-field';
import { applyFieldErrors, fieldErrorText, formLevelError } from '@/lib/form-errors';

import { loginSchema } from './schemas';
import type { LoginValues } from './schemas';
import { useLoginMutation } from '../api/auth';

export function LoginForm({
  defaultUsername = '',
  onSuccess,
}: {
  readonly defaultUsername?: string;
  readonly onSuccess: () => void;
}) {
  const { t } = useTranslation();
  const login = useLoginMutation();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<LoginValues>({
    resolver: zodResolver(loginSchema),
    defaultValues: { username: defaultUsername, password: '' },
  });

  const onSubmit = handleSubmit((values) =>
    login.mutateAsync(values).then(onSuccess, (error: unknown) => {
      applyFieldErrors(error, setError, ['username', 'password']);
    }),
  );

  return (
    <form noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="login-title">
      <ErrorAlert error={formLevelError(login.error)} />
      <FormField
        label={t('auth.usernameOrEmail')}
        autoComplete="username"
        error={fieldErrorText(errors.username)}
        {...register('username')}
      />
      <FormField
        label={t('auth.password')}
        type="password"
        autoComplete="current-password"
        error={fieldErrorText(errors.password)}
        {...register('password')}
      />
      <Button type="submit" className="w-100" disabled={login.isPending}>
        {t('auth.submitLogin')}
      </Button>
    </form>
  );
}
