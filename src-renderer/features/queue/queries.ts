import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Batch, JobState, MethodInput, MethodName } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';

/** Every queue query starts with this, so one invalidation refreshes the whole page. */
export const queueKey = ['queue'] as const;
export const queueStatsKey = ['queue', 'stats'] as const;
export const jobsKey = (filter: JobFilter, page: number) => ['queue', 'jobs', filter, page] as const;
export const batchesKey = (limit: number) => ['queue', 'batches', limit] as const;
export const jobKey = (id: string) => ['queue', 'job', id] as const;

export const JOBS_PAGE = 50;

export interface JobFilter {
  state: JobState | null;
  type: string | null;
  projectId: string | null;
  batchId: string | null;
}

export function useQueueStats(enabled = true) {
  const backend = useBackend();
  return useQuery({ queryKey: queueStatsKey, queryFn: () => backend.call('queue.stats', {}), enabled });
}

export function useJobs(filter: JobFilter, page: number) {
  const backend = useBackend();
  return useQuery({
    queryKey: jobsKey(filter, page),
    queryFn: () =>
      backend.call('queue.list', {
        offset: page * JOBS_PAGE,
        limit: JOBS_PAGE,
        ...(filter.state ? { state: filter.state } : {}),
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.projectId ? { projectId: filter.projectId } : {}),
        ...(filter.batchId ? { batchId: filter.batchId } : {}),
      }),
    // Paging or filtering keeps the old rows on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
}

export function useBatches(limit: number) {
  const backend = useBackend();
  return useQuery({ queryKey: batchesKey(limit), queryFn: () => backend.call('queue.batches', { limit }), placeholderData: keepPreviousData });
}

export function useJob(id: string | null) {
  const backend = useBackend();
  return useQuery({ queryKey: jobKey(id ?? ''), queryFn: () => backend.call('queue.get', { id: id! }), enabled: id !== null });
}

/** Put a batch from an event (or an answer) into every cached batch list, so bars move without a refetch. */
export function patchBatch(queryClient: ReturnType<typeof useQueryClient>, batch: Batch): void {
  queryClient.setQueriesData<{ items: Batch[]; total: number }>({ queryKey: ['queue', 'batches'] }, (list) =>
    list && list.items.some((b) => b.id === batch.id) ? { ...list, items: list.items.map((b) => (b.id === batch.id ? batch : b)) } : list,
  );
}

type QueueAction = Extract<
  MethodName,
  'queue.cancel' | 'queue.retry' | 'queue.cancelBatch' | 'queue.retryFailedBatch' | 'queue.pause' | 'queue.resume' | 'queue.clearFinished'
>;

/** A queue control and its input, checked per method at the call site. */
export type QueueActionCall = { [M in QueueAction]: { method: M; input: MethodInput<M> } }[QueueAction];

/** One mutation for every queue control; the answer and the events that follow refresh the page. */
export function useQueueAction() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: QueueActionCall) => backend.call(v.method, v.input as never) as Promise<unknown>,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queueKey }),
  });
}
