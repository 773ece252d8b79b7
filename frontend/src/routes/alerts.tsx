import { AlertsView } from '@/features/alerts/components/alerts-view';
import { RequireRole } from '@/features/auth/components/require-role';

export default function AlertsPage() {
  return (
    <RequireRole role="trader">
      <AlertsView />
    </RequireRole>
  );
}
