import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { showToast } from '../../ui/toasts.js';
import { projectRefresher, projectsKey } from '../library/public.js';
import { applyProgress, jobErrorText, jobProgress, onJobFinished, type ImportJob } from './import-store.js';

/** Engine events → the import panel, its toasts and fresh project queries, so grids fill in as thumbnails are made. */
export function useImportLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const { t } = useTranslation();

  useEffect(() => {
    const refresher = projectRefresher(queryClient);
    const unsubscribe = backend.subscribe((event) => {
      if (event.type !== 'import.progress') return;
      applyProgress(event.payload);
      const done = event.payload.state !== 'running' && event.payload.state !== 'scanning';
      if (done) refresher.refreshNow(event.payload.projectId);
      else refresher.refreshSoon(event.payload.projectId);
    });
    return () => {
      unsubscribe();
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
          const error = jobErrorText(t, job, p) || (p?.state === 'interrupted' ? t('imports.interrupted') : '');
          showToast({ kind: 'error', title: t('imports.failedToast', { name, error }) });
          return;
        }
        showToast({
          kind: 'success',
          title: t('imports.doneToast', { count: p.imported, name }),
          detail: p.duplicates || p.skipped ? t('imports.detailsToast', { duplicates: p.duplicates, skipped: p.skipped }) : undefined,
        });
      }),
    [queryClient, t],
  );
}
