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

export const passwordField = z
  .string()
  .min(10, 'validation.minLength|10')
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

export const profileSchema = z.object({ email: emailField, username: usernameField });
export type ProfileValues = z.infer<typeof profileSchema>;

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
