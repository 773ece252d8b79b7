import type { Alert, AlertFiring, AlertInput } from '@/features/alerts/api/alerts';

import type { FakeApiServer } from './fake-api-server';

/**
 * /api/v1/alerts* as backend/alerts/router.py answers them, in memory: create (201), list with
 * the active count, PATCH (symbol and condition refused, as AlertPatch forbids extra fields),
 * pause/resume, DELETE, firings. `fire(id)` records a firing the way the checker does.
 */
export class FakeAlerts {
  readonly alerts: Alert[] = [];
  readonly firings = new Map<number, AlertFiring[]>();
  private nextId = 1;

  constructor(
    private readonly api: FakeApiServer,
    private readonly maxActive = 100,
  ) {
    api.respondWith('GET', '/api/v1/alerts', () => ({
      status: 200,
      body: {
        items: [...this.alerts].reverse(),
        active: this.alerts.filter((a) => a.state === 'active').length,
        max_active: this.maxActive,
      },
    }));
    api.respondWith('POST', '/api/v1/alerts', (_q, raw) => {
      const body = JSON.parse(raw) as AlertInput;
      const alert: Alert = {
        id: this.nextId++,
        symbol: body.symbol,
        condition: body.condition,
        value: body.value,
        interval: body.interval ?? null,
        window: body.window ?? null,
        direction: body.direction ?? null,
        recurring: body.recurring,
        cooldown_s: body.cooldown_s,
        expires_at: body.expires_at ?? null,
        note: body.note ?? null,
        channels: body.channels ?? ['app'],
        state: 'active',
        firings: 0,
        last_fired_at: null,
        last_firing: null,
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      };
      this.alerts.push(alert);
      this.serveOne(alert.id);
      return { status: 201, body: alert };
    });
  }

  private replace(id: number, patch: Partial<Alert>): Alert | undefined {
    const i = this.alerts.findIndex((a) => a.id === id);
    if (i < 0) return undefined;
    const next = { ...this.alerts[i], ...patch } as Alert;
    this.alerts[i] = next;
    return next;
  }

  private serveOne(id: number): void {
    const path = `/api/v1/alerts/${id}`;
    const found = (alert: Alert | undefined) =>
      alert
        ? { status: 200, body: alert }
        : {
            status: 404,
            body: { error: { code: 'not_found', message: 'Not found', details: null } },
          };
    this.api.respondWith('PATCH', path, (_q, raw) => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      if ('symbol' in body || 'condition' in body) {
        return {
          status: 422,
          body: { error: { code: 'validation_error', message: 'extra fields', details: [] } },
        };
      }
      return found(this.replace(id, body));
    });
    this.api.respondWith('POST', `${path}/pause`, () =>
      found(this.replace(id, { state: 'paused' })),
    );
    this.api.respondWith('POST', `${path}/resume`, () =>
      found(this.replace(id, { state: 'active' })),
    );
    this.api.respondWith('DELETE', path, () => {
      const i = this.alerts.findIndex((a) => a.id === id);
      if (i >= 0) this.alerts.splice(i, 1);
      return { status: 204, body: undefined };
    });
    this.api.respondWith('GET', `${path}/firings`, () => ({
      status: 200,
      body: [...(this.firings.get(id) ?? [])].reverse(),
    }));
  }

  fire(id: number, price: string, late = false): void {
    const list = this.firings.get(id) ?? [];
    const at = '2026-01-03T12:00:00Z';
    list.push({ firing_no: list.length + 1, price, market_ms: Date.parse(at), late, fired_at: at });
    this.firings.set(id, list);
    const alert = this.alerts.find((a) => a.id === id);
    this.replace(id, {
      firings: list.length,
      last_fired_at: at,
      state: alert?.recurring ? 'active' : 'triggered',
    });
  }
}
