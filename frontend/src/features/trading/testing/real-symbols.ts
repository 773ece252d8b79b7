/**
 * Test helper: real Binance symbol rules exactly as the API serves them. `real-symbols.json` is
 * `GET /api/v1/market/symbols`' entries for the shared sample
 * `shared/binance/samples/rest_exchangeInfo_real.json`, written by the server's own parse
 * (backend/market/filters.py) and schema; tests/market/test_web_rules_fixture.py fails when it
 * is stale (and says how to regenerate it).
 */
import type { components } from '@/api/schema';

import served from './real-symbols.json';

type SymbolOut = components['schemas']['SymbolOut'];

const symbols = served as unknown as Readonly<Record<string, SymbolOut>>;

/** A real symbol as the API sends it, e.g. `realSymbol('BTCUSDT')`. */
export function realSymbol(symbol: string): SymbolOut {
  const found = symbols[symbol];
  if (!found) throw new Error(`${symbol} is not in real-symbols.json`);
  return structuredClone(found);
}

/** A real symbol with some of its parsed rules changed, e.g. `{ notional: {...} }`. */
export function withRules(symbol: string, change: Partial<SymbolOut>): SymbolOut {
  return { ...realSymbol(symbol), ...change };
}

/** The symbol's filter order with one filter type in place of another. */
export function renamedFilter(order: readonly string[], from: string, to: string): string[] {
  return order.map((kind) => (kind === from ? to : kind));
}
