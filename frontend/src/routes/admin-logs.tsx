import { AdminNav } from '@/features/admin/components/admin-nav';
import { LogsView } from '@/features/admin-system/components/logs-view';
import { RequireRole } from '@/features/auth/components/require-role';

export default function AdminLogsPage() {
  return (
    <RequireRole role="admin">
      <AdminNav />
      <LogsView />
    </RequireRole>
  );
}
