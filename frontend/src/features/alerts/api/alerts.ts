import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { apiJson } from '@/lib/api-json';

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

/** The body of POST /api/v1/alerts (and PATCH, every field optional there). */
export interface AlertInput {
  readonly symbol: string;
  readonly condition: Condition;
  readonly value: string;
  readonly interval?: string | null;
  readonly window?: string | null;
  readonly direction?: 'up' | 'down' | 'any' | null;
  readonly recurring?: boolean;
  readonly cooldown_s?: number;
  readonly expires_at?: string | null;
  readonly note?: string | null;
  readonly channels?: Channel[];
}

export interface AlertFiring {
  readonly firing_no: number;
  readonly price: string;
  /** Market time of the tick (or candle) that fired it, epoch ms. */
  readonly market_ms: number;
  /** Found afterwards in the stored candles (the checker was down or missed ticks). */
  readonly late: boolean;
  readonly fired_at: string;
}

/** AlertOut of backend/alerts/schemas.py. */
export interface Alert {
  readonly id: number;
  readonly symbol: string;
  readonly condition: Condition;
  readonly value: string;
  readonly interval: string | null;
  readonly window: string | null;
  readonly direction: 'up' | 'down' | 'any' | null;
  readonly recurring: boolean;
  readonly cooldown_s: number;
  readonly expires_at: string | null;
  readonly note: string | null;
  readonly channels: Channel[];
  readonly state: AlertState;
  readonly firings: number;
  readonly last_fired_at: string | null;
  readonly last_firing?: AlertFiring | null;
  readonly created_at: string;
  readonly updated_at: string;
}

/** GET /api/v1/alerts: the user's alerts and the active-alert limit. */
export interface AlertList {
  readonly items: Alert[];
  readonly active: number;
  readonly max_active: number;
}

/** What an edit may change (the symbol and the condition stay). */
export type AlertPatch = Partial<Omit<AlertInput, 'symbol' | 'condition'>>;

export const alertKeys = {
  all: ['alerts'] as const,
  list: () => [...alertKeys.all, 'list'] as const,
  firings: (id: number) => [...alertKeys.all, 'firings', id] as const,
};

export function useAlerts() {
  return useQuery({
    queryKey: alertKeys.list(),
    queryFn: () => apiJson<AlertList>('GET', '/api/v1/alerts'),
  });
}

export function useAlertFirings(id: number) {
  return useQuery({
    queryKey: alertKeys.firings(id),
    queryFn: () => apiJson<AlertFiring[]>('GET', `/api/v1/alerts/${id}/firings`),
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
  return useAlertMutation((body: AlertInput) => apiJson<Alert>('POST', '/api/v1/alerts', { body }));
}

export function useUpdateAlert() {
  return useAlertMutation(({ id, body }: { id: number; body: AlertPatch }) =>
    apiJson<Alert>('PATCH', `/api/v1/alerts/${id}`, { body }),
  );
}

export type AlertAction = 'pause' | 'resume' | 'delete';

export function useAlertAction() {
  return useAlertMutation(({ id, action }: { id: number; action: AlertAction }) =>
    action === 'delete'
      ? apiJson<unknown>('DELETE', `/api/v1/alerts/${id}`)
      : apiJson<Alert>('POST', `/api/v1/alerts/${id}/${action}`),
  );
}
