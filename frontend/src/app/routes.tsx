import { Navigate } from 'react-router';
import type { RouteObject } from 'react-router';

import { AppLayout } from './layout/app-layout';
import { RouteError } from './route-error';

/** Every page is its own lazy chunk (route-level code splitting). */
export const routes: RouteObject[] = [
  {
    element: <AppLayout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/market" replace /> },
      {
        path: 'login',
        lazy: () => import('@/routes/login').then((m) => ({ Component: m.default })),
      },
      {
        path: 'register',
        lazy: () => import('@/routes/register').then((m) => ({ Component: m.default })),
      },
      {
        path: 'profile',
        lazy: () => import('@/routes/profile').then((m) => ({ Component: m.default })),
      },
      {
        path: 'market',
        lazy: () => import('@/routes/market').then((m) => ({ Component: m.default })),
      },
      {
        path: 'market/:symbol',
        lazy: () => import('@/routes/market-symbol').then((m) => ({ Component: m.default })),
      },
      {
        path: 'portfolio',
        lazy: () => import('@/routes/portfolio').then((m) => ({ Component: m.default })),
      },
      {
        path: 'alerts',
        lazy: () => import('@/routes/alerts').then((m) => ({ Component: m.default })),
      },
      {
        path: 'compare',
        lazy: () => import('@/routes/compare').then((m) => ({ Component: m.default })),
      },
      {
        path: 'forecast',
        lazy: () => import('@/routes/forecast').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/users',
        lazy: () => import('@/routes/admin-users').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/users/:id',
        lazy: () => import('@/routes/admin-user').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/audit',
        lazy: () => import('@/routes/admin-audit').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/dashboard',
        lazy: () => import('@/routes/admin-dashboard').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/health',
        lazy: () => import('@/routes/admin-health').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/logs',
        lazy: () => import('@/routes/admin-logs').then((m) => ({ Component: m.default })),
      },
      {
        path: 'admin/tasks',
        lazy: () => import('@/routes/admin-tasks').then((m) => ({ Component: m.default })),
      },
      {
        path: '*',
        lazy: () => import('@/routes/not-found').then((m) => ({ Component: m.default })),
      },
    ],
  },
];
