import { useQueryClient } from '@tanstack/react-query';
import type { QueryKey } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { useWsStatus } from '@/lib/ws-context';

/**
 * Frames missed while the socket was down leave a gap: refetch the REST snapshot once the
 * connection is live again (the stream then continues from there).
 */
export function useResyncOnReconnect(queryKey: QueryKey): void {
  const queryClient = useQueryClient();
  const { state } = useWsStatus();
  const wasDown = useRef(false);
  const keyRef = useRef(queryKey);
  keyRef.current = queryKey;
  useEffect(() => {
    if (state === 'reconnecting') wasDown.current = true;
    if (state === 'live' && wasDown.current) {
      wasDown.current = false;
      void queryClient.invalidateQueries({ queryKey: keyRef.current });
    }
  }, [state, queryClient]);
}
