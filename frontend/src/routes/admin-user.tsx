import { useParams } from 'react-router';

import { AdminNav } from '@/features/admin/components/admin-nav';
import { UserDetailView } from '@/features/admin/components/user-detail-view';
import { RequireRole } from '@/features/auth/components/require-role';
import { useCurrentUser } from '@/features/auth/hooks/use-current-user';

function AdminUserContent() {
  const { user } = useCurrentUser();
  const id = Number.parseInt(useParams().id ?? '', 10);
  return (
    <>
      <AdminNav />
      <UserDetailView key={id} id={Number.isSafeInteger(id) ? id : 0} selfId={user?.id ?? -1} />
    </>
  );
}

export default function AdminUserPage() {
  return (
    <RequireRole role="admin">
      <AdminUserContent />
    </RequireRole>
  );
}
