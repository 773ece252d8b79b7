import { AdminNav } from '@/features/admin/components/admin-nav';
import { AdminUsersView } from '@/features/admin/components/admin-users-view';
import { RequireRole } from '@/features/auth/components/require-role';
import { useCurrentUser } from '@/features/auth/hooks/use-current-user';

function AdminUsersContent() {
  const { user } = useCurrentUser();
  return (
    <>
      <AdminNav />
      <AdminUsersView selfId={user?.id ?? -1} />
    </>
  );
}

export default function AdminUsersPage() {
  return (
    <RequireRole role="admin">
      <AdminUsersContent />
    </RequireRole>
  );
}
