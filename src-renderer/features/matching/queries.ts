import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { MATCH_PAGE_SIZE, type MatchingPool } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';

/** Every matching query starts with this key: one invalidation refreshes them all. */
export const matchingKey = ['matching'] as const;

export function useWorkQueue(query: string) {
  const backend = useBackend();
  return useQuery({ queryKey: [...matchingKey, 'queue', query], queryFn: () => backend.call('matching.queue', { query: query || undefined, limit: 200 }) });
}

export function useProjects() {
  const backend = useBackend();
  return useQuery({ queryKey: [...matchingKey, 'projects'], queryFn: () => backend.call('projects.list', {}) });
}

/** The installed embedders a reviewer may rank with (the offline default first). */
export function useEmbedders() {
  const backend = useBackend();
  return useQuery({ queryKey: [...matchingKey, 'embedders'], queryFn: async () => (await backend.call('embeddings.models', {})).filter((m) => m.installed), staleTime: 60_000, refetchOnMount: 'always' });
}

/** Candidate pages of 50, more on demand. */
export function useCandidates(productId: string | null, pool: MatchingPool | null, threshold: number, modelId: string) {
  const backend = useBackend();
  return useInfiniteQuery({
    queryKey: [...matchingKey, 'candidates', productId, pool, threshold, modelId],
    enabled: productId !== null && pool !== null,
    initialPageParam: 0,
    queryFn: ({ pageParam }) => backend.call('matching.candidates', { productId: productId!, pool: pool!, threshold, offset: pageParam, limit: MATCH_PAGE_SIZE, modelId }),
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.items.length, 0);
      return last.state === 'ready' && loaded < last.total ? loaded : undefined;
    },
  });
}

export function useRefreshMatching() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: matchingKey });
}
