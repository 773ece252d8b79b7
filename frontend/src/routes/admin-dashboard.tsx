import { AdminNav } from '@/features/admin/components/admin-nav';
import { DashboardView } from '@/features/admin-system/components/dashboard-view';
import { RequireRole } from '@/features/auth/components/require-role';

export default function AdminDashboardPage() {
  return (
    <RequireRole role="admin">
      <AdminNav />
      <DashboardView />
    </RequireRole>
  );
}
