import { useQuery } from '@tanstack/react-query';
import { useBackend } from '../../backend/index.js';

/** Every augmentation query starts with this key: one invalidation refreshes them all. */
export const augmentationKey = ['augmentation'] as const;

export function useRuns(datasetId: string) {
  const backend = useBackend();
  return useQuery({ queryKey: [...augmentationKey, 'runs', datasetId], queryFn: () => backend.call('augmentation.runs', { datasetId }) });
}

export function useAugmentedImages(datasetId: string) {
  const backend = useBackend();
  return useQuery({ queryKey: [...augmentationKey, 'images', datasetId], queryFn: () => backend.call('augmentation.images', { datasetId, limit: 120 }) });
}

export function useAugmentSettings() {
  const backend = useBackend();
  return useQuery({ queryKey: [...augmentationKey, 'settings'], queryFn: () => backend.call('augmentation.settings', {}) });
}
