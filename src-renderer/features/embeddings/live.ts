import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { embeddingsKey } from './EmbeddingsPage.js';

/** Engine events → the Embeddings page: indexes, projects, datasets, installed models and extraction jobs refetch it, at most twice a second. */
export function useEmbeddingsLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, embeddingsKey), 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'embeddings.indexesChanged' || event.type === 'projects.changed' || event.type === 'datasets.changed' || event.type === 'models.changed') refresh();
      else if ((event.type === 'job.started' || event.type === 'job.progress' || event.type === 'job.completed' || event.type === 'job.failed' || event.type === 'job.cancelled') && event.payload.type === 'embeddings.extract') refresh();
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
