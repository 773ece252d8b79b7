/**
 * The private `user` stream's frames (Binance's executionReport / outboundAccountPosition) and
 * how they change the cached account: pure, so tests need no socket.
 */
import type { Account } from '../api/trading';

export interface ExecutionReport {
  readonly e: 'executionReport';
  readonly i: number;
  readonly s: string;
  /** execution type: NEW, TRADE, CANCELED, EXPIRED, REJECTED … */
  readonly x: string;
  /** order status */
  readonly X: string;
}

export interface AccountPosition {
  readonly e: 'outboundAccountPosition';
  readonly B: readonly { readonly a: string; readonly f: string; readonly l: string }[];
}

export type UserEvent = ExecutionReport | AccountPosition;

export function parseUserEvent(data: unknown): UserEvent | null {
  if (typeof data !== 'object' || data === null) return null;
  const e = (data as { e?: unknown }).e;
  if (e === 'executionReport' || e === 'outboundAccountPosition') return data as UserEvent;
  return null;
}

/** The account with the changed balances of one outboundAccountPosition applied. */
export function applyAccountPosition(account: Account, event: AccountPosition): Account {
  const balances = account.balances.map((b) => ({ ...b }));
  for (const change of event.B) {
    const current = balances.find((b) => b.asset === change.a);
    if (current) {
      current.free = change.f;
      current.locked = change.l;
    } else {
      balances.push({ asset: change.a, free: change.f, locked: change.l });
    }
  }
  return { ...account, balances };
}
