import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { batchTypes, type Batch, type Project } from '../../../src-shared/contract/index.js';
import { fetchBatchDetail } from '../../app/batch-details.js';
import { summarizeBatch, summaryText } from '../../app/batch-summary.js';
import { batchTitle } from '../../app/labels.js';
import { useRegistry } from '../../app/registry.js';
import { useBackend } from '../../backend/index.js';
import { showToast } from '../../ui/toasts.js';
import { projectsKey } from '../library/public.js';

/** Whether a finished batch of this type is told of: its presenter says, else the contract's `notify`. */
function toasts(type: string, presenterSays: boolean | undefined): boolean {
  if (presenterSays !== undefined) return presenterSays;
  return Object.prototype.hasOwnProperty.call(batchTypes, type) ? batchTypes[type as keyof typeof batchTypes].notify : true;
}

/**
 * Web mode: a toast when a batch finishes. The desktop app posts an OS notification from
 * its main process for the same events, so it gets none here. A batch type whose
 * feature reports its end itself (an import, in the imports panel) says so in its presenter.
 */
export function useBatchToasts(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const registry = useRegistry();
  const { t } = useTranslation();
  useEffect(() => {
    if (backend.kind === 'electron') return;
    // One toast per end of a batch: the same end state can arrive twice (an event and a replay).
    const told = new Set<string>();
    const toastFor = async (type: 'batch.completed' | 'batch.failed', b: Batch) => {
      const presenter = registry.presenter(b.type);
      if (!toasts(b.type, presenter?.toast)) return;
      const key = `${b.id}:${b.finishedAt ?? b.updatedAt}`;
      if (told.has(key)) return;
      told.add(key);
      const project = b.projectId ? queryClient.getQueryData<Project[]>(projectsKey)?.find((p) => p.id === b.projectId)?.name : undefined;
      // A batch started elsewhere (the CLI, another window): its presenter asks what it was, to name it in the UI language.
      const detail = await fetchBatchDetail(queryClient, backend, presenter, b);
      const what = batchTitle(t, b, presenter, detail, project);
      // The same summary as the Queue page's row and the feature's banner (needs review counted apart);
      // read after the await, when this window's live view of the batch has caught up with its end.
      const latest = presenter?.detail?.known?.(b.id) ?? detail;
      const summary = summarizeBatch(b, presenter?.needsReview?.(latest) ?? 0);
      const failed = type === 'batch.failed' || b.failed > 0;
      showToast({
        kind: failed ? 'error' : 'success',
        title: failed ? t('queue.batchFailedToast', { what }) : t('queue.batchDoneToast', { what }),
        detail: summaryText(t, summary),
        tag: 'batch',
      });
    };
    return backend.subscribe((event) => {
      if (event.type === 'batch.completed' || event.type === 'batch.failed') void toastFor(event.type, event.payload);
    });
  }, [backend, queryClient, registry, t]);
}
