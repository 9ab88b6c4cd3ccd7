import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MethodInput, MethodName, MethodOutput, VideoState } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';

/** Every videos query starts with this key: one invalidation refreshes them all. */
export const videosKey = ['videos'] as const;

/** Midnight in this window's time zone: "completed today" is the user's today, not the engine's. */
export function localMidnight(now = new Date()): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

export function useVideoStats() {
  const backend = useBackend();
  const since = localMidnight();
  return useQuery({ queryKey: [...videosKey, 'stats', since], queryFn: () => backend.call('videos.stats', { since }) });
}

export function useVideoList(state: readonly VideoState[], limit = 500) {
  const backend = useBackend();
  return useQuery({ queryKey: [...videosKey, 'list', state.join(','), limit], queryFn: () => backend.call('videos.list', { state: [...state], limit }) });
}

export function useFfmpegStatus() {
  const backend = useBackend();
  return useQuery({ queryKey: [...videosKey, 'ffmpeg'], queryFn: () => backend.call('videos.ffmpeg', {}), staleTime: 60_000 });
}

export function useWatchStatus() {
  const backend = useBackend();
  return useQuery({ queryKey: [...videosKey, 'watch'], queryFn: () => backend.call('videos.watchSettings', {}) });
}

/** Any videos method, refreshing the page's queries after it answers. */
export function useVideosCall<M extends MethodName>(method: M) {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation<MethodOutput<M>, Error, MethodInput<M>>({
    mutationFn: (input) => backend.call(method, input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: videosKey }),
  });
}
