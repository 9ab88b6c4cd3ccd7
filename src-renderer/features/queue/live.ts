import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import type { Batch, JobProgress } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { createStore, throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { patchBatch, queueKey } from './queries.js';

/**
 * A 2,000-image batch sends several job events a second; the Queue page refetches what
 * it shows at most this often, and moves progress bars from the events in between.
 */
const REFRESH_INTERVAL_MS = 1_000;
const PROGRESS_EMIT_MS = 200;
const MAX_TRACKED = 500;

export interface LiveProgress {
  stage: string;
  percent: number | null;
}

/** job.progress as it streams (stage and percent), by job id; rows overlay it on what they fetched. */
const progressStore = createStore<ReadonlyMap<string, LiveProgress>>(new Map());
let pending = new Map<string, LiveProgress>();
const flushProgress = throttle(() => {
  const next = new Map(progressStore.get());
  for (const [id, p] of pending) {
    next.delete(id);
    next.set(id, p);
  }
  pending = new Map();
  // Oldest first in a Map: drop from the front once it is long.
  for (const id of next.keys()) {
    if (next.size <= MAX_TRACKED) break;
    next.delete(id);
  }
  progressStore.set(next);
}, PROGRESS_EMIT_MS);

function noteProgress(p: JobProgress): void {
  pending.set(p.jobId, { stage: p.stage, percent: p.percent });
  flushProgress();
}

function forgetProgress(jobId: string): void {
  pending.delete(jobId);
  if (!progressStore.get().has(jobId)) return;
  const next = new Map(progressStore.get());
  next.delete(jobId);
  progressStore.set(next);
}

export function useLiveProgress(): ReadonlyMap<string, LiveProgress> {
  return useSyncExternalStore(progressStore.subscribe, progressStore.get);
}

/** While the Queue page is open: engine events → fresh queue queries (throttled) and live progress. */
export function useQueueLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => void invalidateFresh(queryClient, queueKey), REFRESH_INTERVAL_MS);
    const off = backend.subscribe((event) => {
      switch (event.type) {
        case 'job.progress':
          noteProgress(event.payload);
          break;
        case 'job.completed':
        case 'job.failed':
        case 'job.cancelled':
          forgetProgress(event.payload.jobId);
          refresh();
          break;
        case 'batch.progress':
          patchBatch(queryClient, event.payload);
          refresh();
          break;
        case 'job.started':
        case 'job.retrying':
        case 'batch.started':
        case 'batch.completed':
        case 'batch.failed':
        case 'batch.cancelled':
        case 'queue.changed':
          if (event.type.startsWith('batch.')) patchBatch(queryClient, event.payload as Batch);
          refresh();
          break;
        default:
          break;
      }
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
