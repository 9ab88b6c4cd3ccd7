import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { matchingKey } from './queries.js';

/** Engine events → the Matching page: decisions, products, indexes and imports refetch it, at most twice a second. */
export function useMatchingLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, matchingKey), 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'matching.changed' || event.type === 'products.changed' || event.type === 'embeddings.indexesChanged' || event.type === 'projects.changed' || event.type === 'models.changed') refresh();
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
