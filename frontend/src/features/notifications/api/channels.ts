import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { authKeys } from '@/features/auth/api/auth';
import { apiJson } from '@/lib/api-json';

/** GET/PATCH /api/v1/notifications/settings. */
export interface NotificationSettings {
  readonly language: 'en' | 'ru';
  readonly email_enabled: boolean;
  /** The server can send mail (SMTP_URL set). */
  readonly email_available: boolean;
  readonly webhook: { readonly url: string } | null;
}

export interface TelegramLinkCode {
  readonly code: string;
  /** Deep link that opens the bot with `/start <code>`. */
  readonly url: string;
  readonly expires_at: string;
}

export interface WebhookCreated {
  readonly url: string;
  /** Shown this once: the receiver checks the HMAC-SHA256 signature with it. */
  readonly secret: string;
}

export interface WebhookTestResult {
  readonly delivered: boolean;
  readonly detail: string | null;
}

export const channelKeys = {
  settings: ['notifications', 'settings'] as const,
};

export function useNotificationSettings() {
  return useQuery({
    queryKey: channelKeys.settings,
    queryFn: () => apiJson<NotificationSettings>('GET', '/api/v1/notifications/settings'),
  });
}

export function useUpdateNotificationSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email_enabled?: boolean; language?: 'en' | 'ru' }) =>
      apiJson<NotificationSettings>('PATCH', '/api/v1/notifications/settings', { body }),
    onSuccess: (settings) => queryClient.setQueryData(channelKeys.settings, settings),
  });
}

export function useSetWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (url: string) =>
      apiJson<WebhookCreated>('PUT', '/api/v1/webhook', { body: { url } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelKeys.settings }),
  });
}

export function useDeleteWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiJson<unknown>('DELETE', '/api/v1/webhook'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelKeys.settings }),
  });
}

export function useTestWebhook() {
  return useMutation({
    mutationFn: () => apiJson<WebhookTestResult>('POST', '/api/v1/webhook/test'),
  });
}

export function useTelegramLink() {
  return useMutation({
    mutationFn: () => apiJson<TelegramLinkCode>('POST', '/api/v1/telegram/link'),
  });
}

export function useTelegramUnlink() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiJson<unknown>('DELETE', '/api/v1/telegram/link'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: authKeys.me }),
  });
}
