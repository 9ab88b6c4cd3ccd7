import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { Batch, JobProgress, Project } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { createStore, throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { projectsKey } from '../library/queries.js';
import { showToast } from '../../ui/toasts.js';
import { patchBatch, queueKey } from './queries.js';
import { batchTitle } from '../../app/labels.js';
import { knownRun } from '../remove-background/run-store.js';

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

/**
 * Web mode: a toast when a batch finishes. The desktop app posts an OS notification from
 * its main process for the same events, so it gets none here. Imports are batches too,
 * but their own toast (from the imports panel) already said it.
 */
export function useBatchToasts(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const { t } = useTranslation();
  useEffect(() => {
    if (backend.kind === 'electron') return;
    // One toast per end of a batch: the same end state can arrive twice (an event and a replay).
    const told = new Set<string>();
    const toastFor = async (type: 'batch.completed' | 'batch.failed', b: Batch) => {
      if (b.type === 'import') return;
      const key = `${b.id}:${b.finishedAt ?? b.updatedAt}`;
      if (told.has(key)) return;
      told.add(key);
      const project = b.projectId ? queryClient.getQueryData<Project[]>(projectsKey)?.find((p) => p.id === b.projectId)?.name : undefined;
      // A run started elsewhere (the CLI, another window): ask what it was, to name it in the UI language.
      const run = b.type === 'remove-background' && !knownRun(b.id) ? await backend.call('remove-background.get', { runId: b.id }).catch(() => undefined) : undefined;
      const what = batchTitle(t, b, project, run);
      const parts = [t('toast.batchCounts', { done: b.completed, total: b.total })];
      if (b.failed) parts.push(t('toast.batchFailedCount', { count: b.failed }));
      if (b.cancelled) parts.push(t('toast.batchCancelledCount', { count: b.cancelled }));
      showToast({
        kind: type === 'batch.failed' || b.failed > 0 ? 'error' : 'success',
        title: type === 'batch.failed' || b.failed > 0 ? t('toast.batchFailed', { what }) : t('toast.batchDone', { what }),
        detail: parts.join(' · '),
        tag: 'batch',
      });
    };
    return backend.subscribe((event) => {
      if (event.type === 'batch.completed' || event.type === 'batch.failed') void toastFor(event.type, event.payload);
    });
  }, [backend, queryClient, t]);
}
