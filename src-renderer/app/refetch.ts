import type { QueryClient, QueryKey } from '@tanstack/react-query';

/**
 * invalidateQueries after an engine event, also for a query whose first fetch is still
 * in flight: React Query lets the invalidation join that fetch (it only cancels a
 * refetch of a query that already has data), and the answer, read from the library
 * before the event, would then stay as fresh data. Those first fetches are cancelled
 * (reverted) and made again.
 */
export function invalidateFresh(queryClient: QueryClient, queryKey: QueryKey): Promise<void> {
  return queryClient
    .cancelQueries({ queryKey, predicate: (q) => q.state.data === undefined && q.state.fetchStatus === 'fetching' })
    .then(() => queryClient.invalidateQueries({ queryKey }));
}
