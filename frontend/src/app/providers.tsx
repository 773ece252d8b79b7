import { QueryClientProvider } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ReactNode } from 'react';

import { refreshAccessToken, subscribeSession, getSession } from '@/lib/auth-session';
import type { WsClient } from '@/lib/ws-client';
import { WsClientProvider } from '@/lib/ws-context';

/** Keeps the socket's AUTH token and the query cache in step with the session. */
function SessionSync({ client, queryClient }: { client: WsClient; queryClient: QueryClient }) {
  useEffect(() => {
    let previous = getSession();
    client.setAuthToken(previous.accessToken);
    // the server ended the socket's identity (revoked or expired): renew, or end the session
    const stopAuthLost = client.onAuthLost(() => {
      if (getSession().status === 'authenticated') void refreshAccessToken();
    });
    const stopSession = subscribeSession(() => {
      const next = getSession();
      client.setAuthToken(next.accessToken);
      if (previous.status === 'authenticated' && next.status === 'anonymous') {
        // signed out (here, in another tab, or by a failed refresh): drop the user's data
        queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'market' });
      }
      previous = next;
    });
    return () => {
      stopAuthLost();
      stopSession();
    };
  }, [client, queryClient]);
  return null;
}

export function AppProviders({
  queryClient,
  wsClient,
  children,
}: {
  readonly queryClient: QueryClient;
  readonly wsClient: WsClient;
  readonly children: ReactNode;
}) {
  return (
    <QueryClientProvider client={queryClient}>
      <WsClientProvider client={wsClient}>
        <SessionSync client={wsClient} queryClient={queryClient} />
        {children}
      </WsClientProvider>
    </QueryClientProvider>
  );
}
