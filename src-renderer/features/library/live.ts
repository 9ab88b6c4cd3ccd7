import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { useBackend } from '../../backend/index.js';
import { applyProgress, jobProgress, onJobFinished, type ImportJob } from '../import/import-store.js';
import { showToast } from '../../ui/toasts.js';
import { assetsKey, projectKey, projectsKey, skippedKey } from './queries.js';

/**
 * Refetching on every progress event (10 a second per import) would redo the visible
 * pages that often; a project's queries are refreshed at most this often while it fills.
 */
const REFRESH_INTERVAL_MS = 500;

function projectRefresher(queryClient: QueryClient) {
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
    /**
     * Throttle, leading and trailing edge: the first thumbnails show at once, and the
     * last event of a burst is never lost.
     */
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

/** Engine events → import panel, toasts and fresh queries, so grids fill in as thumbnails are made. */
export function useLiveUpdates(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const { t } = useTranslation();

  useEffect(() => {
    const refresher = projectRefresher(queryClient);
    const unsubscribe = backend.subscribe((event) => {
      switch (event.type) {
        case 'import.progress': {
          applyProgress(event.payload);
          const done = event.payload.state !== 'running' && event.payload.state !== 'scanning';
          if (done) refresher.refreshNow(event.payload.projectId);
          else refresher.refreshSoon(event.payload.projectId);
          break;
        }
        case 'projects.changed': {
          void invalidateFresh(queryClient, projectsKey);
          if (event.payload.projectId) void invalidateFresh(queryClient, projectKey(event.payload.projectId));
          break;
        }
        default:
          break;
      }
    });
    const offConnection = backend.onConnection((state, reconnected) => {
      // Events sent while the link was down are gone: refetch what is on screen.
      if (state === 'open' && reconnected) void queryClient.invalidateQueries();
    });
    return () => {
      unsubscribe();
      offConnection();
      refresher.dispose();
    };
  }, [backend, queryClient]);

  useEffect(
    () =>
      onJobFinished((job: ImportJob) => {
        const name =
          (job.projectId ? queryClient.getQueryData<Project[]>(projectsKey)?.find((p) => p.id === job.projectId)?.name : undefined) ?? job.label;
        const p = jobProgress(job);
        if (job.error || !p || p.state !== 'done') {
          const error = job.error ?? p?.error ?? (p?.state === 'interrupted' ? t('imports.interrupted') : '');
          showToast({ kind: 'error', title: t('toast.importFailed', { name, error }) });
          return;
        }
        showToast({
          kind: 'success',
          title: t('toast.importDone', { count: p.imported, name }),
          detail: p.duplicates || p.skipped ? t('toast.importDetails', { duplicates: p.duplicates, skipped: p.skipped }) : undefined,
        });
      }),
    [queryClient, t],
  );
}
