import { RequireRole } from '@/features/auth/components/require-role';
import { PortfolioView } from '@/features/trading/components/portfolio-view';

export default function PortfolioPage() {
  return (
    <RequireRole role="trader">
      <PortfolioView />
    </RequireRole>
  );
}
