import { zodResolver } from '@hookform/resolvers/zod';
import Alert from 'react-bootstrap/Alert';
import Button from 'react-bootstrap/Button';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { FormField } from '@/components/form-field';
import { applyFieldErrors, fieldErrorText, formLevelError } from '@/lib/form-errors';

import { emailChanged, profileSchema } from './schemas';
import type { ProfileValues } from './schemas';
import { useUpdateMeMutation } from '../api/auth';
import type { User } from '../api/auth';

const CODE_FIELDS = {
  email_taken: 'email',
  username_taken: 'username',
  wrong_password: 'current_password',
} as const;

/** Username and email; a new email asks for the current password too (the API requires it). */
export function ProfileForm({ user }: { readonly user: User }) {
  const { t } = useTranslation();
  const update = useUpdateMeMutation();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    watch,
    formState: { errors, isDirty },
  } = useForm<ProfileValues>({
    resolver: zodResolver(profileSchema(user.email)),
    values: { email: user.email, username: user.username, current_password: '' },
  });
  const newEmail = emailChanged(watch('email'), user.email);

  const onSubmit = handleSubmit((values) => {
    // PATCH only what changed
    const body = {
      ...(emailChanged(values.email, user.email)
        ? { email: values.email, current_password: values.current_password }
        : {}),
      ...(values.username !== user.username ? { username: values.username } : {}),
    };
    return update.mutateAsync(body).then(
      (saved) => reset({ email: saved.email, username: saved.username, current_password: '' }),
      (error: unknown) => {
        applyFieldErrors(error, setError, ['email', 'username', 'current_password'], CODE_FIELDS);
      },
    );
  });

  return (
    <form noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="profile-details">
      <h2 id="profile-details" className="h5 mb-3">
        {t('profile.details')}
      </h2>
      {update.isSuccess && !isDirty ? (
        <Alert variant="success" className="py-2" role="status">
          {t('profile.saved')}
        </Alert>
      ) : null}
      <ErrorAlert error={formLevelError(update.error, CODE_FIELDS)} />
      <FormField
        label={t('auth.email')}
        type="email"
        autoComplete="email"
        error={fieldErrorText(errors.email)}
        {...register('email')}
      />
      {newEmail ? (
        <FormField
          label={t('profile.currentPassword')}
          type="password"
          autoComplete="current-password"
          hint={t('profile.emailNeedsPassword')}
          error={fieldErrorText(errors.current_password)}
          {...register('current_password')}
        />
      ) : null}
      <FormField
        label={t('auth.username')}
        autoComplete="username"
        hint={t('auth.usernameHint')}
        error={fieldErrorText(errors.username)}
        {...register('username')}
      />
      <Button type="submit" disabled={update.isPending || !isDirty}>
        {t('profile.save')}
      </Button>
    </form>
  );
}
