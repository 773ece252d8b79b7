import 'bootstrap/dist/css/bootstrap.min.css';
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';

import { initI18n } from '@/i18n';
import { bootstrapSession } from '@/lib/auth-session';
import { createQueryClient } from '@/lib/query-client';
import { applyTheme } from '@/lib/theme';
import { getDefaultWsClient } from '@/lib/ws-context';

import { AppProviders } from './providers';
import { routes } from './routes';

applyTheme();
initI18n();
void bootstrapSession();

const router = createBrowserRouter(routes);
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <AppProviders queryClient={createQueryClient()} wsClient={getDefaultWsClient()}>
        <RouterProvider router={router} />
      </AppProviders>
    </StrictMode>,
  );
}
