import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { TrainingRun } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { runsKey, trainedModelsKey, trainingKey } from './queries.js';

/**
 * Engine events → the Training page. training.progress carries the run's whole snapshot,
 * so it is written into the cached list as it comes (no refetch per epoch or step; a
 * run the list does not know yet refetches it, at most twice a second); models and
 * datasets changing refetch what the page shows of them.
 */
export function useTrainingLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const runs = throttle(() => void invalidateFresh(queryClient, runsKey), 500);
    const models = throttle(() => void invalidateFresh(queryClient, trainedModelsKey), 500);
    const all = throttle(() => void invalidateFresh(queryClient, trainingKey), 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'training.progress') {
        const run = event.payload;
        let known = false;
        queryClient.setQueryData<TrainingRun[]>(runsKey, (list) =>
          list?.map((r) => {
            if (r.id !== run.id) return r;
            known = true;
            // Snapshots may arrive out of order after a reconnect: never step back.
            return r.updatedAt > run.updatedAt ? r : run;
          }),
        );
        if (!known) runs();
        if (run.state === 'done' && run.modelId) models();
      } else if (event.type === 'training.modelsChanged' || event.type === 'models.changed') models();
      else if (event.type === 'datasets.changed' || event.type === 'products.changed') all();
    });
    return () => {
      off();
      runs.cancel();
      models.cancel();
      all.cancel();
    };
  }, [backend, queryClient]);
}
