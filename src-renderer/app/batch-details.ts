import { useQueries, type QueryClient } from '@tanstack/react-query';
import type { Batch } from '../../src-shared/contract/index.js';
import { useBackend, type RendererBackend } from '../backend/index.js';
import type { BatchPresenter } from './feature.js';
import { useRegistry } from './registry.js';

export const batchDetailKey = (type: string, batchId: string) => ['batch-detail', type, batchId] as const;

/** What the presenters of these batches know of each (by batch id); a batch's detail never changes, so it is asked for once. */
export function useBatchDetails(batches: readonly Batch[]): ReadonlyMap<string, unknown> {
  const registry = useRegistry();
  const backend = useBackend();
  const wanted = batches.flatMap((batch) => {
    const detail = registry.presenter(batch.type)?.detail;
    return detail ? [{ batch, detail }] : [];
  });
  const results = useQueries({
    queries: wanted.map(({ batch, detail }) => ({
      queryKey: batchDetailKey(batch.type, batch.id),
      queryFn: () => detail.fetch(backend, batch.id),
      initialData: detail.known?.(batch.id),
      staleTime: Infinity,
    })),
  });
  return new Map(results.flatMap((r, i) => (r.data !== undefined ? [[wanted[i]!.batch.id, r.data] as const] : [])));
}

/** The same detail outside a component (a toast for a batch started elsewhere); undefined when it cannot be had. */
export async function fetchBatchDetail(queryClient: QueryClient, backend: RendererBackend, presenter: BatchPresenter | undefined, batch: Batch): Promise<unknown> {
  const detail = presenter?.detail;
  if (!detail) return undefined;
  const known = detail.known?.(batch.id);
  if (known !== undefined) return known;
  return queryClient
    .fetchQuery({ queryKey: batchDetailKey(batch.type, batch.id), queryFn: () => detail.fetch(backend, batch.id), staleTime: Infinity })
    .catch(() => undefined);
}
