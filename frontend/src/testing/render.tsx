import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { RouteObject } from 'react-router';

import { initI18n } from '@/i18n';
import type { Language } from '@/i18n';
import { createQueryClient } from '@/lib/query-client';
import { WsClient } from '@/lib/ws-client';
import { WsClientProvider } from '@/lib/ws-context';

export interface RenderOptions {
  readonly routes: RouteObject[];
  readonly initialPath?: string;
  readonly lang?: Language;
  /** A client for a real local WS server; by default an idle one that never connects. */
  readonly wsClient?: WsClient;
}

/** Mount routes with the app's providers (query client, ws client, i18n, memory router). */
export function renderRoutes({ routes, initialPath = '/', lang = 'en', wsClient }: RenderOptions) {
  initI18n(lang);
  const queryClient = createQueryClient();
  const client = wsClient ?? new WsClient({ url: 'ws://127.0.0.1:9/unused' });
  const router = createMemoryRouter(routes, { initialEntries: [initialPath] });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <WsClientProvider client={client} autoStart={wsClient !== undefined}>
        <RouterProvider router={router} />
      </WsClientProvider>
    </QueryClientProvider>,
  );
  return { ...view, router, queryClient, wsClient: client };
}
