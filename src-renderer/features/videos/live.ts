import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Video } from '../../../src-shared/contract/index.js';
import { throttle } from '../../app/throttle.js';
import { invalidateFresh } from '../../app/refetch.js';
import { useBackend } from '../../backend/index.js';
import { videosKey } from './queries.js';

/**
 * Engine events → the Videos page: a job's progress is written into the cached lists
 * (no refetch per tick); any other change refetches them, at most twice a second.
 */
export function useVideosLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, videosKey), 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'videos.progress') {
        const p = event.payload;
        queryClient.setQueriesData<{ items: Video[]; total: number }>({ queryKey: [...videosKey, 'list'] }, (list) =>
          list ? { ...list, items: list.items.map((v) => (v.id === p.videoId ? { ...v, state: 'processing', progress: { stage: p.stage, percent: p.percent } } : v)) } : list,
        );
      } else if (event.type === 'videos.changed' || event.type === 'videos.watchChanged' || event.type === 'products.changed') {
        refresh();
      }
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
