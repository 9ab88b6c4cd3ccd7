import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { JobTypeName } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { refreshModels } from '../models/public.js';
import { queueStatsKey } from '../queue/public.js';
import { resultsKey } from './queries.js';
import { runStore } from './run-store.js';

/** The job type of one image of a run (typed by the contract, so a rename there fails to compile here). */
const imageJobType: JobTypeName = 'remove-background.image';

/** Engine events → runs, per-image states and fresh result badges (refetched at most twice a second per project). */
export function useRemoveBackgroundLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refreshers = new Map<string, ReturnType<typeof throttle>>();
    const refresh = (projectId: string) => {
      let r = refreshers.get(projectId);
      if (!r) refreshers.set(projectId, (r = throttle(() => void invalidateFresh(queryClient, resultsKey(projectId)), 500)));
      r();
    };
    const models = throttle(() => refreshModels(queryClient), 500);
    const runs = new Set<string>();
    const off = backend.subscribe((event) => {
      switch (event.type) {
        case 'remove-background.progress':
          runs.add(event.payload.runId);
          runStore.updateRun(event.payload);
          if (event.payload.state !== 'queued' && event.payload.state !== 'running') {
            refresh(event.payload.projectId);
            // The run loaded its model: the Models page's provider in use and loaded sessions changed.
            models();
          }
          break;
        case 'remove-background.item':
          runStore.noteItem(event.payload);
          if (event.payload.state !== 'failed') refresh(event.payload.projectId);
          break;
        case 'queue.changed':
          // The run panel says when a paused queue is why a run waits.
          void invalidateFresh(queryClient, queueStatsKey);
          break;
        case 'job.started': {
          // Which image a job is working on is in its payload: one small call per started job.
          const p = event.payload;
          if (p.type !== imageJobType || !p.batchId || !p.projectId || !runs.has(p.batchId)) break;
          const { batchId, projectId } = p;
          void backend
            .call('queue.get', { id: p.jobId })
            .then((job) => {
              const assetId = (job.payload as { assetId?: unknown } | null)?.assetId;
              if (typeof assetId === 'string' && job.state === 'running') runStore.noteRunning(projectId, batchId, assetId);
            })
            .catch(() => undefined);
          break;
        }
        default:
          break;
      }
    });
    return () => {
      off();
      models.cancel();
      for (const r of refreshers.values()) r.cancel();
    };
  }, [backend, queryClient]);
}
