import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';

import { UsersFilters } from './users-filters';
import { UsersPager } from './users-pager';
import { UsersTable } from './users-table';
import { PAGE_SIZE, useAdminUsers } from '../api/users';
import { useUserFilters } from '../hooks/use-user-filters';

/** The admin users page: search, role/state filters and paging, all in the URL. */
export function AdminUsersView({ selfId }: { readonly selfId: number }) {
  const { t } = useTranslation();
  const [filters, update] = useUserFilters();
  const users = useAdminUsers(filters);
  const data = users.data;
  return (
    <>
      <h1 className="h3 mb-3">{t('admin.title')}</h1>
      <UsersFilters filters={filters} onChange={update} />
      <ErrorAlert error={users.error} />
      {data ? (
        <>
          <UsersTable users={data.items} selfId={selfId} />
          {data.items.length === 0 ? (
            <p className="text-body-secondary">{t('admin.noMatch')}</p>
          ) : null}
          <UsersPager
            page={filters.page}
            pageSize={PAGE_SIZE}
            total={data.total}
            busy={users.isFetching}
            onPage={(page) => update({ page })}
          />
        </>
      ) : null}
      {users.isPending ? <PageSpinner /> : null}
    </>
  );
}
