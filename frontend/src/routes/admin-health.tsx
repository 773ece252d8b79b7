import { AdminNav } from '@/features/admin/components/admin-nav';
import { HealthView } from '@/features/admin-system/components/health-view';
import { RequireRole } from '@/features/auth/components/require-role';

export default function AdminHealthPage() {
  return (
    <RequireRole role="admin">
      <AdminNav />
      <HealthView />
    </RequireRole>
  );
}
