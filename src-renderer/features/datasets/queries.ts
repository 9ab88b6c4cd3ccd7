import { useQuery } from '@tanstack/react-query';
import { useBackend } from '../../backend/index.js';

/** Every datasets query starts with this key: one invalidation refreshes them all. */
export const datasetsKey = ['datasets'] as const;

export function useDatasets() {
  const backend = useBackend();
  return useQuery({ queryKey: [...datasetsKey, 'list'], queryFn: () => backend.call('datasets.list', {}) });
}

export function useDataset(id: string) {
  const backend = useBackend();
  return useQuery({ queryKey: [...datasetsKey, 'one', id], queryFn: () => backend.call('datasets.get', { id }) });
}

export function useDatasetProducts(id: string) {
  const backend = useBackend();
  return useQuery({ queryKey: [...datasetsKey, 'products', id], queryFn: () => backend.call('datasets.products', { id }) });
}
