import type { QueryClient } from '@tanstack/react-query';
import { invalidateFresh } from '../../app/refetch.js';
import { assetsKey, projectKey, projectsKey, skippedKey } from './queries.js';

/**
 * Refetching on every progress event (10 a second per import) would redo the visible
 * pages that often; a project's queries are refreshed at most this often while it fills.
 */
const REFRESH_INTERVAL_MS = 500;

export interface ProjectRefresher {
  /** The project, its images and skipped files, and the list, fetched again now. */
  refreshNow(projectId: string): void;
  /**
   * The same, throttled on leading and trailing edge: the first thumbnails show at once,
   * and the last event of a burst is never lost.
   */
  refreshSoon(projectId: string): void;
  dispose(): void;
}

export function projectRefresher(queryClient: QueryClient): ProjectRefresher {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const last = new Map<string, number>();
  const refreshNow = (projectId: string) => {
    const timer = timers.get(projectId);
    if (timer) clearTimeout(timer);
    timers.delete(projectId);
    last.set(projectId, Date.now());
    void invalidateFresh(queryClient, projectsKey);
    void invalidateFresh(queryClient, projectKey(projectId));
    void invalidateFresh(queryClient, assetsKey(projectId));
    void invalidateFresh(queryClient, skippedKey(projectId));
  };
  return {
    refreshNow,
    refreshSoon(projectId: string) {
      if (timers.has(projectId)) return;
      const wait = (last.get(projectId) ?? 0) + REFRESH_INTERVAL_MS - Date.now();
      if (wait <= 0) refreshNow(projectId);
      else timers.set(projectId, setTimeout(() => refreshNow(projectId), wait));
    },
    dispose() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
