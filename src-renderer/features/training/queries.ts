import { useQuery } from '@tanstack/react-query';
import { useBackend } from '../../backend/index.js';

/** Every training query starts with this key: one invalidation refreshes them all. */
export const trainingKey = ['training'] as const;
export const runsKey = [...trainingKey, 'runs'] as const;
export const trainedModelsKey = [...trainingKey, 'models'] as const;

export function useRuns() {
  const backend = useBackend();
  return useQuery({ queryKey: runsKey, queryFn: () => backend.call('training.list', {}) });
}

export function useTrainedModels() {
  const backend = useBackend();
  return useQuery({ queryKey: trainedModelsKey, queryFn: () => backend.call('training.models', {}) });
}

/** The datasets to train on (the contract's datasets.list: the datasets feature exports no queries). */
export function useTrainingDatasets() {
  const backend = useBackend();
  return useQuery({ queryKey: [...trainingKey, 'datasets'], queryFn: () => backend.call('datasets.list', {}) });
}

/** The embedders a head can be trained on (installed ones can be chosen). */
export function useBackbones() {
  const backend = useBackend();
  // A trained model is a head on its backbone, not a backbone: train on that backbone instead.
  return useQuery({
    queryKey: [...trainingKey, 'backbones'],
    queryFn: async () => (await backend.call('embeddings.models', {})).filter((m) => m.source !== 'trained'),
    staleTime: 60_000,
  });
}
