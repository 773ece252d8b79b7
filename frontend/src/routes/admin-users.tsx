import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import { useAdminUsers } from '@/features/admin/api/users';
import { UsersTable } from '@/features/admin/components/users-table';
import { RequireRole } from '@/features/auth/components/require-role';
import { useCurrentUser } from '@/features/auth/hooks/use-current-user';

function AdminUsersContent() {
  const { t } = useTranslation();
  const users = useAdminUsers();
  const { user } = useCurrentUser();
  return (
    <>
      <h1 className="h3 mb-3">{t('admin.title')}</h1>
      <ErrorAlert error={users.error} />
      {users.data ? <UsersTable users={users.data} selfId={user?.id ?? -1} /> : null}
      {users.isPending ? <PageSpinner /> : null}
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
