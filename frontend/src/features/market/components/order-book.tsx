import { useEffect, useMemo, useState } from 'react';
import Card from 'react-bootstrap/Card';
import { useTranslation } from 'react-i18next';

import { formatPrice, formatQuantity } from '@/lib/format';
import { useStream, useWsStatus } from '@/lib/ws-context';

import { bookView, isPartialDepth } from './order-book-model';
import type { BookRow, PartialDepth } from './order-book-model';

/** Older than this, the book is marked as not updating (the stream sends one every 100 ms). */
export const STALE_AFTER_MS = 5_000;
const ROWS = 12;

interface Received {
  readonly depth: PartialDepth;
  readonly at: number;
}

/** The latest `<symbol>@depth<levels>@100ms` book, and when it arrived (levels 0: none). */
function useDepth(symbol: string, levels: number): Received | null {
  const [book, setBook] = useState<Received | null>(null);
  const stream = symbol && levels > 0 ? `${symbol.toLowerCase()}@depth${levels}@100ms` : null;
  useEffect(() => setBook(null), [stream]);
  useStream(stream, (data) => {
    if (!isPartialDepth(data)) return;
    setBook((old) =>
      old && old.depth.lastUpdateId > data.lastUpdateId ? old : { depth: data, at: Date.now() },
    );
  });
  return book;
}

/** "0.000015" -> "0.000015 %": two significant digits, spreads are tiny percentages. */
function formatSpreadPercent(value: string, lang: string): string {
  const nf = new Intl.NumberFormat(lang, { maximumSignificantDigits: 2 });
  return `${nf.format(value as Intl.StringNumericLiteral)}\u00a0%`;
}

/** Re-render every `everyMs` while `on` (for the stale mark). */
function useTicking(on: boolean, everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return undefined;
    const id = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(id);
  }, [on, everyMs]);
  return now;
}

function Side({
  rows,
  kind,
  tickSize,
  stepSize,
  label,
}: {
  readonly rows: readonly BookRow[];
  readonly kind: 'bid' | 'ask';
  readonly tickSize: string | undefined;
  readonly stepSize: string | undefined;
  readonly label: string;
}) {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  const colour = kind === 'bid' ? 'success' : 'danger';
  // asks are listed highest first so that both sides meet at the spread
  const shown = kind === 'ask' ? [...rows].reverse() : rows;
  return (
    <tbody aria-label={label}>
      {shown.map((r) => {
        const width = `${(r.share * 100).toFixed(2)}%`;
        return (
          <tr
            key={r.price}
            data-testid={`${kind}-row`}
            data-share={r.share}
            style={{
              backgroundImage: `linear-gradient(to left, rgba(var(--bs-${colour}-rgb), 0.16) ${width}, transparent ${width})`,
            }}
          >
            <td className={`text-${colour} py-0 ps-1`}>{formatPrice(r.price, tickSize, lang)}</td>
            <td className="text-end py-0">{formatQuantity(r.qty, stepSize, lang)}</td>
            <td className="text-end py-0 pe-1 text-body-secondary">
              {formatQuantity(r.total, stepSize, lang)}
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}

/**
 * The live order book of one symbol from `<symbol>@depth<N>@100ms`: asks above, bids below,
 * cumulative depth bars and the spread. The replay source has no book: a note says so (market
 * orders are then priced by the spread and impact model).
 */
export function OrderBook({
  symbol,
  tickSize,
  stepSize,
  baseAsset,
  quoteAsset,
  source,
  levels = 20,
}: {
  readonly symbol: string;
  readonly tickSize: string | undefined;
  readonly stepSize: string | undefined;
  readonly baseAsset: string | undefined;
  readonly quoteAsset: string | undefined;
  /** The feed's source from /market/status (`replay` | `binance`), if known. */
  readonly source: string | null | undefined;
  /** Levels the server streams (/market/status `depth_levels`, MARKET_DEPTH_LEVELS); 0: off. */
  readonly levels?: number | undefined;
}) {
  const { t, i18n } = useTranslation();
  const received = useDepth(symbol, levels);
  const ws = useWsStatus();
  const now = useTicking(received !== null, 1_000);
  const view = useMemo(() => (received ? bookView(received.depth, ROWS) : null), [received]);
  const feed = source ?? ws.source;
  const stale = received !== null && now - received.at > STALE_AFTER_MS;
  return (
    <Card
      as="section"
      aria-labelledby="order-book-title"
      className={view ? 'h-100' : undefined}
      data-testid="order-book"
    >
      <Card.Body className="p-2">
        <div className="d-flex align-items-baseline justify-content-between mb-1">
          <h2 id="order-book-title" className="h6 mb-0">
            {t('orderBook.title')}
          </h2>
          {stale ? (
            <span className="badge text-bg-warning" role="status">
              {t('orderBook.stale')}
            </span>
          ) : null}
        </div>
        {view === null ? (
          <p className="small text-body-secondary mb-0" data-testid="order-book-note">
            {feed === 'replay'
              ? t('orderBook.noBookReplay')
              : levels === 0
                ? t('orderBook.off')
                : t('orderBook.waiting')}
          </p>
        ) : (
          <table
            className="w-100 small font-monospace order-book"
            aria-label={t('orderBook.label', { symbol })}
          >
            <thead>
              <tr className="text-body-secondary">
                <th scope="col" className="fw-normal ps-1">
                  {t('orderBook.price', { asset: quoteAsset ?? '' })}
                </th>
                <th scope="col" className="fw-normal text-end">
                  {t('orderBook.amount', { asset: baseAsset ?? '' })}
                </th>
                <th scope="col" className="fw-normal text-end pe-1">
                  {t('orderBook.total', { asset: baseAsset ?? '' })}
                </th>
              </tr>
            </thead>
            <Side
              rows={view.asks}
              kind="ask"
              tickSize={tickSize}
              stepSize={stepSize}
              label={t('orderBook.asks')}
            />
            <tbody>
              <tr className="border-top border-bottom">
                <td colSpan={3} className="py-1 ps-1" data-testid="order-book-spread">
                  {view.spread !== null
                    ? t('orderBook.spread', {
                        value: formatPrice(view.spread, tickSize, i18n.language),
                        percent: formatSpreadPercent(view.spreadPercent ?? '0', i18n.language),
                      })
                    : t('orderBook.oneSided')}
                </td>
              </tr>
            </tbody>
            <Side
              rows={view.bids}
              kind="bid"
              tickSize={tickSize}
              stepSize={stepSize}
              label={t('orderBook.bids')}
            />
          </table>
        )}
      </Card.Body>
    </Card>
  );
}
