import { useSearchParams } from 'react-router';

import type { CompareQuery } from '@/features/analysis/components/compare-form';
import { CompareView } from '@/features/analysis/components/compare-view';
import { RequireRole } from '@/features/auth/components/require-role';
import { useMarketStatus } from '@/features/market/api/market';

const DEFAULT_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];

/** The query lives in the URL (`?symbols=BTCUSDT,ETHUSDT&interval=1d&limit=90`). */
function CompareContent() {
  const [params, setParams] = useSearchParams();
  const status = useMarketStatus().data;
  const symbols = status?.symbols ?? [];
  const intervals = status?.intervals.length ? status.intervals : ['1h', '1d'];
  const asked = params.get('symbols')?.split(',').filter(Boolean);
  const fallback = DEFAULT_SYMBOLS.filter((s) => symbols.length === 0 || symbols.includes(s));
  const interval = params.get('interval') ?? (intervals.includes('1d') ? '1d' : '1h');
  const query: CompareQuery = {
    symbols: asked ?? (fallback.length >= 2 ? fallback : symbols.slice(0, 3)),
    interval,
    limit: Number(params.get('limit') ?? (interval === '1d' ? 90 : 500)) || 90,
  };
  const onQuery = (next: CompareQuery) =>
    setParams(
      { symbols: next.symbols.join(','), interval: next.interval, limit: String(next.limit) },
      { replace: true },
    );
  return <CompareView query={query} symbols={symbols} intervals={intervals} onQuery={onQuery} />;
}

export default function ComparePage() {
  return (
    <RequireRole role="analyst">
      <CompareContent />
    </RequireRole>
  );
}
