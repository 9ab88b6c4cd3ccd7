import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ModelInfo } from '../../../src-shared/contract/index.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { modelsKey, refreshModels } from './queries.js';

/**
 * Engine events → the models list: download progress is written into the cached list
 * (no refetch per chunk); other changes refetch it, at most twice a second.
 */
export function useModelsLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => refreshModels(queryClient), 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'models.progress') {
        const p = event.payload;
        queryClient.setQueryData<ModelInfo[]>(modelsKey, (list) =>
          list?.map((m) =>
            m.id === p.id ? { ...m, status: p.status, error: p.error, progress: p.status === 'downloading' ? { received: p.received, total: p.total } : m.progress } : m,
          ),
        );
        if (p.status !== 'downloading') refresh();
      } else if (event.type === 'models.changed') {
        refresh();
      }
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
