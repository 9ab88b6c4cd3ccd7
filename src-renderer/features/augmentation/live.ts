import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { augmentationKey } from './queries.js';

/** A run's progress (a product finished, the run ended) refreshes the runs and images, at most twice a second. */
export function useAugmentationLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, augmentationKey), 500);
    const off = backend.subscribe((e) => {
      if (e.type === 'augmentation.progress') refresh();
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
