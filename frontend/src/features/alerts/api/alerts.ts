import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

export const CONDITIONS = [
  'price_above',
  'price_below',
  'price_crosses',
  'change_pct',
  'rsi_above',
  'rsi_below',
] as const;
export type Condition = (typeof CONDITIONS)[number];
export type AlertState = 'active' | 'paused' | 'triggered' | 'expired';
export type Channel = 'app' | 'telegram' | 'email' | 'webhook';
export const EXTRA_CHANNELS: readonly Channel[] = ['telegram', 'email', 'webhook'];

export type AlertInput = components['schemas']['AlertIn'];
/** What an edit may change (the symbol and the condition stay). */
export type AlertPatch = components['schemas']['AlertPatch'];
export type Alert = components['schemas']['AlertOut'];
export type AlertFiring = components['schemas']['FiringOut'];
/** GET /api/v1/alerts: the user's alerts and the active-alert limit. */
export type AlertList = components['schemas']['AlertsOut'];

export const alertKeys = {
  all: ['alerts'] as const,
  list: () => [...alertKeys.all, 'list'] as const,
  firings: (id: number) => [...alertKeys.all, 'firings', id] as const,
};

export function useAlerts() {
  return useQuery({
    queryKey: alertKeys.list(),
    queryFn: () => unwrap(api().GET('/api/v1/alerts')),
  });
}

export function useAlertFirings(id: number) {
  return useQuery({
    queryKey: alertKeys.firings(id),
    queryFn: () =>
      unwrap(
        api().GET('/api/v1/alerts/{alert_id}/firings', { params: { path: { alert_id: id } } }),
      ),
  });
}

function useAlertMutation<V>(call: (vars: V) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: alertKeys.all }),
  });
}

export function useCreateAlert() {
  return useAlertMutation((body: AlertInput) => unwrap(api().POST('/api/v1/alerts', { body })));
}

export function useUpdateAlert() {
  return useAlertMutation(({ id, body }: { id: number; body: AlertPatch }) =>
    unwrap(api().PATCH('/api/v1/alerts/{alert_id}', { params: { path: { alert_id: id } }, body })),
  );
}

export type AlertAction = 'pause' | 'resume' | 'delete';

export function useAlertAction() {
  return useAlertMutation(({ id, action }: { id: number; action: AlertAction }) => {
    const params = { params: { path: { alert_id: id } } };
    if (action === 'delete') return unwrap(api().DELETE('/api/v1/alerts/{alert_id}', params));
    if (action === 'pause') return unwrap(api().POST('/api/v1/alerts/{alert_id}/pause', params));
    return unwrap(api().POST('/api/v1/alerts/{alert_id}/resume', params));
  });
}
