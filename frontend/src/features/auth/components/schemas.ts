import { z } from 'zod';

/** Client-side checks mirror the API's (backend auth/schemas.py); the server stays the judge. */
export const USERNAME_RE = /^[A-Za-z0-9._-]+$/;

export const usernameField = z
  .string()
  .trim()
  .min(3, 'validation.minLength|3')
  .max(32, 'validation.maxLength|32')
  .regex(USERNAME_RE, 'validation.username');

export const emailField = z
  .string()
  .trim()
  .min(1, 'validation.required')
  .pipe(z.email('validation.email'));

/** ASVS 2.1.1: at least 12 characters (backend users/password_policy.py). */
export const PASSWORD_MIN_LENGTH = 12;

export const passwordField = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `validation.minLength|${PASSWORD_MIN_LENGTH}`)
  .max(128, 'validation.maxLength|128');

export const loginSchema = z.object({
  username: z.string().trim().min(1, 'validation.required'),
  password: z.string().min(1, 'validation.required'),
});
export type LoginValues = z.infer<typeof loginSchema>;

export const registerSchema = z
  .object({
    email: emailField,
    username: usernameField,
    password: passwordField,
    confirm: z.string().min(1, 'validation.required'),
  })
  .refine((v) => v.password === v.confirm, {
    path: ['confirm'],
    error: 'validation.passwordsDiffer',
  });
export type RegisterValues = z.infer<typeof registerSchema>;

/** A new email needs the current password (the API refuses it otherwise: `wrong_password`). */
export function profileSchema(currentEmail: string) {
  return z
    .object({ email: emailField, username: usernameField, current_password: z.string() })
    .refine((v) => !emailChanged(v.email, currentEmail) || v.current_password.length > 0, {
      path: ['current_password'],
      error: 'validation.required',
    });
}
export type ProfileValues = z.infer<ReturnType<typeof profileSchema>>;

export function emailChanged(email: string, currentEmail: string): boolean {
  return email.trim().toLowerCase() !== currentEmail.toLowerCase();
}

export const passwordSchema = z
  .object({
    current_password: z.string().min(1, 'validation.required'),
    new_password: passwordField,
    confirm: z.string().min(1, 'validation.required'),
  })
  .refine((v) => v.new_password === v.confirm, {
    path: ['confirm'],
    error: 'validation.passwordsDiffer',
  });
export type PasswordValues = z.infer<typeof passwordSchema>;
