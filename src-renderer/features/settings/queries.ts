import { useQuery } from '@tanstack/react-query';
import { useBackend } from '../../backend/index.js';

export const engineInfoKey = ['engine-info'] as const;

export function useEngineInfo() {
  const backend = useBackend();
  return useQuery({ queryKey: engineInfoKey, queryFn: () => backend.call('engine.info', {}), staleTime: Infinity });
}
