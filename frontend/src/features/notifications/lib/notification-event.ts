/** The `notification` frame of the private user stream. */
export interface NotificationEvent {
  readonly e: 'notification';
  readonly E: number;
  readonly id: number;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly alert_id: number | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The frame as a NotificationEvent, or null for any other user-stream event. */
export function parseNotificationEvent(data: unknown): NotificationEvent | null {
  if (!isRecord(data) || data.e !== 'notification') return null;
  const { id, kind, title, body, alert_id: alertId, E } = data;
  if (typeof id !== 'number' || typeof title !== 'string') return null;
  return {
    e: 'notification',
    E: typeof E === 'number' ? E : Date.now(),
    id,
    kind: typeof kind === 'string' ? kind : '',
    title,
    body: typeof body === 'string' ? body : '',
    alert_id: typeof alertId === 'number' ? alertId : null,
  };
}
