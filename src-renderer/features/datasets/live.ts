import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { datasetsKey } from './queries.js';

/** Datasets or products changed (here or in another window): the pages refetch, at most twice a second. */
export function useDatasetsLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, datasetsKey), 500);
    const off = backend.subscribe((e) => {
      if (e.type === 'datasets.changed' || e.type === 'products.changed') refresh();
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
