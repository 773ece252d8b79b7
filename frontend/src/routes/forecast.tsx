import { RequireRole } from '@/features/auth/components/require-role';
import { ForecastView } from '@/features/forecast/components/forecast-view';
import { useMarketStatus } from '@/features/market/api/market';

function ForecastContent() {
  const status = useMarketStatus().data;
  return (
    <ForecastView
      symbols={status?.symbols ?? []}
      intervals={status?.intervals.length ? status.intervals : ['1h']}
    />
  );
}

export default function ForecastPage() {
  return (
    <RequireRole role="analyst">
      <ForecastContent />
    </RequireRole>
  );
}
