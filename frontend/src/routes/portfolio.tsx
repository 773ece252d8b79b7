import { useMemo } from 'react';

import { RequireRole } from '@/features/auth/components/require-role';
import { useMarketStatus } from '@/features/market/api/market';
import { PortfolioView } from '@/features/trading/components/portfolio-view';
import { clockOfFeed } from '@/lib/market-clock';

function PortfolioContent() {
  const feed = useMarketStatus();
  const clock = useMemo(
    () => clockOfFeed(feed.data, feed.dataUpdatedAt),
    [feed.data, feed.dataUpdatedAt],
  );
  return <PortfolioView clock={clock} />;
}

export default function PortfolioPage() {
  return (
    <RequireRole role="trader">
      <PortfolioContent />
    </RequireRole>
  );
}
