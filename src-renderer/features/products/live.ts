import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { productsKey } from './queries.js';

/**
 * Engine events → the products pages: any change (another window's edit, a video's
 * frames, an import) refetches what is shown, at most twice a second. A reconnect may
 * have missed events, so it refetches too.
 */
export function useProductsLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, productsKey), 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'products.changed') refresh();
    });
    const offConnection = backend.onConnection((_state, reconnected) => {
      if (reconnected) refresh();
    });
    return () => {
      off();
      offConnection();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
