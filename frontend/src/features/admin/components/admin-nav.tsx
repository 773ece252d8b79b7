import Nav from 'react-bootstrap/Nav';
import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';

/** The admin sections, in tab order; every admin page renders <AdminNav /> above its heading. */
export const ADMIN_SECTIONS = [
  { key: 'users', to: '/admin/users' },
  { key: 'audit', to: '/admin/audit' },
  { key: 'dashboard', to: '/admin/dashboard' },
  { key: 'health', to: '/admin/health' },
  { key: 'logs', to: '/admin/logs' },
  { key: 'tasks', to: '/admin/tasks' },
] as const;

/** Tabs between the admin pages; the current one is marked (aria-current="page" by NavLink). */
export function AdminNav() {
  const { t } = useTranslation();
  return (
    <Nav
      as="nav"
      variant="tabs"
      className="mb-3 flex-nowrap overflow-x-auto"
      aria-label={t('adminNav.label')}
    >
      {ADMIN_SECTIONS.map((s) => (
        <Nav.Item key={s.key}>
          {/* /admin/users/7 keeps the Users tab marked: NavLink matches the path's start */}
          <Nav.Link as={NavLink} to={s.to} className="text-nowrap">
            {t(`adminNav.${s.key}`)}
          </Nav.Link>
        </Nav.Item>
      ))}
    </Nav>
  );
}
