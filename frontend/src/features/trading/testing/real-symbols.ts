/**
 * Test helper: real Binance symbol rules, read from the shared sample
 * `shared/binance/samples/rest_exchangeInfo_real.json` (outside the repository, next to it), and
 * turned into the API's SymbolOut the way backend/market/symbols.py flattens them (missing
 * filters and parameters are "0", raw filters passed through verbatim).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { components } from '@/api/schema';

type SymbolOut = components['schemas']['SymbolOut'];
type RawFilter = Record<string, unknown>;

interface RawSymbol {
  readonly symbol: string;
  readonly status: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly baseAssetPrecision: number;
  readonly quoteAssetPrecision: number;
  readonly orderTypes: string[];
  readonly filters: RawFilter[];
}

const SAMPLE = 'binance/samples/rest_exchangeInfo_real.json';

function samplePath(): string {
  const candidates = [
    process.env.SHARED_DIR ? `${process.env.SHARED_DIR}/${SAMPLE}` : null,
    // src/features/trading/testing -> the repository root's sibling `shared/`
    fileURLToPath(new URL(`../../../../../../shared/${SAMPLE}`, import.meta.url)),
    `/work/shared/${SAMPLE}`,
  ];
  const found = candidates.find((p): p is string => p !== null && existsSync(p));
  if (!found) throw new Error(`${SAMPLE} not found (set SHARED_DIR)`);
  return found;
}

let cache: RawSymbol[] | null = null;

/** The raw `symbols[]` entry of the real exchangeInfo snapshot. */
export function rawSymbol(symbol: string): RawSymbol {
  cache ??= (JSON.parse(readFileSync(samplePath(), 'utf8')) as { symbols: RawSymbol[] }).symbols;
  const found = cache.find((s) => s.symbol === symbol);
  if (!found) throw new Error(`${symbol} is not in ${SAMPLE}`);
  return structuredClone(found);
}

function param(filters: readonly RawFilter[], type: string, key: string): string {
  const value = filters.find((f) => f.filterType === type)?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '0';
}

/** The API's SymbolOut for raw exchangeInfo (optionally with edited filters). */
export function symbolOut(raw: RawSymbol, filters: RawFilter[] = raw.filters): SymbolOut {
  const notional = filters.some((f) => f.filterType === 'NOTIONAL') ? 'NOTIONAL' : 'MIN_NOTIONAL';
  return {
    symbol: raw.symbol,
    status: raw.status,
    base_asset: raw.baseAsset,
    quote_asset: raw.quoteAsset,
    base_asset_precision: raw.baseAssetPrecision,
    quote_asset_precision: raw.quoteAssetPrecision,
    tick_size: param(filters, 'PRICE_FILTER', 'tickSize'),
    min_price: param(filters, 'PRICE_FILTER', 'minPrice'),
    max_price: param(filters, 'PRICE_FILTER', 'maxPrice'),
    step_size: param(filters, 'LOT_SIZE', 'stepSize'),
    min_qty: param(filters, 'LOT_SIZE', 'minQty'),
    max_qty: param(filters, 'LOT_SIZE', 'maxQty'),
    min_notional: param(filters, notional, 'minNotional'),
    max_notional: param(filters, 'NOTIONAL', 'maxNotional'),
    order_types: raw.orderTypes,
    filters,
  };
}

/** A real symbol as the API sends it, e.g. `realSymbol('BTCUSDT')`. */
export function realSymbol(symbol: string): SymbolOut {
  return symbolOut(rawSymbol(symbol));
}

/** The real filters with one filter's parameters changed (or the filter replaced by `type`). */
export function withFilter(
  symbol: string,
  type: string,
  change: RawFilter,
  replacing: string = type,
): SymbolOut {
  const raw = rawSymbol(symbol);
  const filters = raw.filters.map((f) =>
    f.filterType === replacing ? { ...f, filterType: type, ...change } : f,
  );
  return symbolOut(raw, filters);
}
