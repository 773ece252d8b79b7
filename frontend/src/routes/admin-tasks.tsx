import { AdminNav } from '@/features/admin/components/admin-nav';
import { AdminTasksView } from '@/features/admin-tasks/components/tasks-view';
import { RequireRole } from '@/features/auth/components/require-role';

export default function AdminTasksPage() {
  return (
    <RequireRole role="admin">
      <AdminNav />
      <AdminTasksView />
    </RequireRole>
  );
}
