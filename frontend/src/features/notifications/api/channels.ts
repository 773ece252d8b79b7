import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { authKeys } from '@/features/auth/api/auth';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

/** GET/PATCH /api/v1/notifications/settings. */
export type NotificationSettings = components['schemas']['NotificationSettingsOut'];
/** POST /api/v1/telegram/link: a one-time code and the deep link that sends `/start <code>`. */
export type TelegramLinkCode = components['schemas']['LinkCodeOut'];
/** PUT /api/v1/webhook: the secret is shown this once. */
export type WebhookCreated = components['schemas']['WebhookCreated'];

export const channelKeys = {
  settings: ['notifications', 'settings'] as const,
};

export function useNotificationSettings() {
  return useQuery({
    queryKey: channelKeys.settings,
    queryFn: () => unwrap(api().GET('/api/v1/notifications/settings')),
  });
}

export function useUpdateNotificationSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['NotificationSettingsIn']) =>
      unwrap(api().PATCH('/api/v1/notifications/settings', { body })),
    onSuccess: (settings) => queryClient.setQueryData(channelKeys.settings, settings),
  });
}

export function useSetWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (url: string) => unwrap(api().PUT('/api/v1/webhook', { body: { url } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelKeys.settings }),
  });
}

export function useDeleteWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api().DELETE('/api/v1/webhook')),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelKeys.settings }),
  });
}

export function useTestWebhook() {
  return useMutation({
    mutationFn: () => unwrap(api().POST('/api/v1/webhook/test')),
  });
}

export function useTelegramLink() {
  return useMutation({
    mutationFn: () => unwrap(api().POST('/api/v1/telegram/link')),
  });
}

export function useTelegramUnlink() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api().DELETE('/api/v1/telegram/link')),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: authKeys.me }),
  });
}
