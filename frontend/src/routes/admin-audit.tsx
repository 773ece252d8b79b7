import { AdminNav } from '@/features/admin/components/admin-nav';
import { AuditView } from '@/features/admin/components/audit-view';
import { RequireRole } from '@/features/auth/components/require-role';

export default function AdminAuditPage() {
  return (
    <RequireRole role="admin">
      <AdminNav />
      <AuditView />
    </RequireRole>
  );
}
