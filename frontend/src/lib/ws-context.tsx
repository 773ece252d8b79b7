import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';

import { defaultWsUrl, WsClient } from './ws-client';
import type { StreamListener, WsStatus } from './ws-client';

let defaultClient: WsClient | null = null;

/** The app-wide client, created on first use (never at import time). */
export function getDefaultWsClient(): WsClient {
  defaultClient ??= new WsClient({ url: defaultWsUrl });
  return defaultClient;
}

const WsClientContext = createContext<WsClient | null>(null);

export function WsClientProvider({
  client,
  children,
  autoStart = true,
}: {
  readonly client: WsClient;
  readonly children: ReactNode;
  /** Tests that need no socket pass false. */
  readonly autoStart?: boolean;
}) {
  useEffect(() => {
    if (!autoStart) return undefined;
    client.start();
    return () => client.stop();
  }, [client, autoStart]);
  return <WsClientContext.Provider value={client}>{children}</WsClientContext.Provider>;
}

export function useWsClient(): WsClient {
  const client = useContext(WsClientContext);
  if (!client) throw new Error('useWsClient outside WsClientProvider');
  return client;
}

export function useWsStatus(): WsStatus {
  const client = useWsClient();
  return useSyncExternalStore(client.onStatus, client.getStatus, client.getStatus);
}

/**
 * Subscribe to `stream` while mounted (null = nothing). The latest `listener` is always called,
 * so callers need not memoize it; only a stream change re-subscribes.
 */
export function useStream(stream: string | null, listener: StreamListener): void {
  const client = useWsClient();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => {
    if (!stream) return undefined;
    return client.subscribe(stream, (data, frame) => latest.current(data, frame));
  }, [client, stream]);
}
