import type { CSSProperties } from 'react';
import Container from 'react-bootstrap/Container';
import Nav from 'react-bootstrap/Nav';
import Navbar from 'react-bootstrap/Navbar';
import NavDropdown from 'react-bootstrap/NavDropdown';
import { useTranslation } from 'react-i18next';
import { NavLink, useLocation, useNavigate } from 'react-router';

import { useLogoutMutation } from '@/features/auth/api/auth';
import { useCurrentUser } from '@/features/auth/hooks/use-current-user';
import { NotificationBell } from '@/features/notifications/components/notification-bell';
import { hasRole } from '@/lib/roles';

import { ConnectionBadge } from './connection-badge';
import { LanguageSelect, ThemeToggle } from './preferences';

/** Links 0.375rem apart each side instead of 0.5rem: an admin's navbar in Russian wrapped at
 * 1280 px (the longest case: Alerts, Analysis, Admin, the bell and the account menu). */
const COMPACT_LINKS = { '--bs-navbar-nav-link-padding-x': '0.375rem' } as CSSProperties;

/** Sections appear only for the roles that may open them (the routes are guarded as well). */
export function AppNavbar() {
  const { t } = useTranslation();
  const current = useCurrentUser();
  const logout = useLogoutMutation();
  const navigate = useNavigate();
  const location = useLocation();
  const user = current.user;

  const onLogout = () => {
    logout.mutate(undefined, { onSettled: () => void navigate('/login') });
  };

  return (
    <Navbar
      expand="md"
      className="border-bottom bg-body-tertiary"
      sticky="top"
      style={COMPACT_LINKS}
    >
      <Container fluid="xl">
        <Navbar.Brand as={NavLink} to="/market" className="fw-bold">
          {t('app.name')}
        </Navbar.Brand>
        <div className="d-md-none ms-auto me-2">
          <ConnectionBadge />
        </div>
        <Navbar.Toggle aria-controls="main-nav" aria-label={t('nav.toggle')} />
        <Navbar.Collapse id="main-nav">
          <Nav className="me-auto" aria-label={t('nav.main')} as="nav">
            <Nav.Link as={NavLink} to="/market">
              {t('nav.market')}
            </Nav.Link>
            {user ? (
              <Nav.Link as={NavLink} to="/portfolio">
                {t('nav.portfolio')}
              </Nav.Link>
            ) : null}
            {user ? (
              <Nav.Link as={NavLink} to="/alerts">
                {t('nav.alerts')}
              </Nav.Link>
            ) : null}
            {user && hasRole(user.role, 'analyst') ? (
              // one menu for the analyst pages: two more links wrapped the navbar at 1280 px
              <NavDropdown
                title={t('nav.analysis')}
                id="analysis-menu"
                active={/^\/(compare|forecast)/.test(location.pathname)}
              >
                <NavDropdown.Item as={NavLink} to="/compare">
                  {t('nav.compare')}
                </NavDropdown.Item>
                <NavDropdown.Item as={NavLink} to="/forecast">
                  {t('nav.forecast')}
                </NavDropdown.Item>
              </NavDropdown>
            ) : null}
            {user && hasRole(user.role, 'admin') ? (
              // one entry for every admin page; the pages switch between them with AdminNav
              <Nav.Link
                as={NavLink}
                to="/admin/users"
                active={location.pathname.startsWith('/admin/')}
              >
                {t('nav.admin')}
              </Nav.Link>
            ) : null}
          </Nav>
          <div className="d-flex flex-wrap align-items-center gap-2 py-2 py-md-0">
            <span className="d-none d-md-inline-flex">
              <ConnectionBadge />
            </span>
            <LanguageSelect />
            <ThemeToggle />
            {user ? <NotificationBell /> : null}
            {user ? (
              <Nav>
                <NavDropdown
                  title={user.username}
                  id="user-menu"
                  align="end"
                  aria-label={t('nav.account', { name: user.username })}
                >
                  <NavDropdown.Item as={NavLink} to="/profile">
                    {t('nav.profile')}
                  </NavDropdown.Item>
                  <NavDropdown.Divider />
                  <NavDropdown.Item as="button" onClick={onLogout}>
                    {t('nav.logout')}
                  </NavDropdown.Item>
                </NavDropdown>
              </Nav>
            ) : current.state === 'anonymous' ? (
              <Nav className="flex-row align-items-center gap-2">
                <Nav.Link as={NavLink} to="/login">
                  {t('nav.login')}
                </Nav.Link>
                <NavLink className="btn btn-primary btn-sm" to="/register">
                  {t('nav.register')}
                </NavLink>
              </Nav>
            ) : null}
          </div>
        </Navbar.Collapse>
      </Container>
    </Navbar>
  );
}
