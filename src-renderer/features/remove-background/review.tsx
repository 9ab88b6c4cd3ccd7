import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { DerivedResult, Project } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { showToast } from '../../ui/toasts.js';
import { offerUndo, setGridView, useGridView, useSelection } from '../library/public.js';
import { reasonsText } from './Preview.js';
import { resultsKey } from './queries.js';
import { callErrorText } from '../../app/labels.js';

/** The newest result decides, as the engine's needs_review filter does (service.ts). */
export function needsReview(results: readonly DerivedResult[] | undefined): DerivedResult | null {
  const newest = results?.[0];
  return newest?.review?.verdict === 'needs_review' && !newest.review.accepted ? newest : null;
}

/** Lives under the results' key, so every result change (runs, reviews, deletes) refreshes it. */
const reviewCountKey = (projectId: string) => [...resultsKey(projectId), 'needs-review-count'] as const;
const PAGE = 1000;

/** Accept or drop results that need review, then refresh whatever shows them; a drop offers Undo. */
export function useReview(projectId: string) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ ids, action }: { ids: readonly string[] | 'all'; action: 'accept' | 'drop' }) => {
      let sourceAssetIds = ids === 'all' ? [] : [...ids];
      if (ids === 'all') {
        for (let offset = 0; ; offset += PAGE) {
          const page = await backend.call('assets.list', { projectId, offset, limit: PAGE, filter: 'needs_review' });
          sourceAssetIds.push(...page.items.map((a) => a.id));
          if (page.items.length < PAGE) break;
        }
      }
      sourceAssetIds = [...new Set(sourceAssetIds)];
      if (sourceAssetIds.length === 0) return { updated: 0, undoToken: null, action };
      const r = await backend.call('remove-background.review', { projectId, sourceAssetIds, action });
      return { ...r, action };
    },
    onSuccess: ({ updated, undoToken, action }) => {
      if (action === 'drop' && undoToken && updated > 0) offerUndo({ projectId, token: undoToken, message: 'bgReview.dropped', count: updated, until: Date.now() + 10 * 60_000 });
      else if (action === 'accept') showToast({ kind: 'success', title: t('bgReview.accepted', { count: updated }) });
    },
    onError: (err) => showToast({ kind: 'error', title: t('bgReview.failed'), detail: callErrorText(t, err) }),
    // Grid pages (the filter), badges, the viewer's results and the count all change.
    onSettled: () => void queryClient.invalidateQueries({ predicate: (q) => q.queryKey.includes(projectId) }),
  });
}

/**
 * Under the project's title while any result needs review: how many, a link that filters
 * the grid to them, and Accept / Drop for the selected ones (all of them when none is selected).
 */
export function ReviewPanel({ project }: { project: Project }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const selection = useSelection(project.id);
  const view = useGridView(project.id);
  const review = useReview(project.id);
  const count = useQuery({
    queryKey: reviewCountKey(project.id),
    queryFn: async () => (await backend.call('assets.list', { projectId: project.id, offset: 0, limit: 1, filter: 'needs_review' })).total,
    staleTime: 10_000,
  }).data;
  if (!count) return null;
  const selected = selection.ids.size;
  const ids = selected ? [...selection.ids] : 'all';
  return (
    <div className="review-banner" role="status" data-testid="review-banner" data-count={count}>
      <span className="review-mark" aria-hidden="true">
        !
      </span>
      <strong>{t('bgReview.banner', { count })}</strong>
      {view.filter !== 'needs_review' ? (
        <button type="button" className="link-button" onClick={() => setGridView(project.id, { filter: 'needs_review' })} data-testid="review-show">
          {t('bgReview.show')}
        </button>
      ) : null}
      <span className="review-actions">
        <button type="button" className="button button-small" disabled={review.isPending} onClick={() => review.mutate({ ids, action: 'accept' })} data-testid="review-accept">
          {selected ? t('bgReview.acceptSelected', { count: selected }) : t('bgReview.acceptAll')}
        </button>
        <button
          type="button"
          className="button button-small button-danger-outline"
          disabled={review.isPending}
          onClick={() => review.mutate({ ids, action: 'drop' })}
          title={t('bgReview.hint')}
          data-testid="review-drop"
        >
          {selected ? t('bgReview.dropSelected', { count: selected }) : t('bgReview.dropAll')}
        </button>
      </span>
    </div>
  );
}

/** In the viewer's results panel: why the shown result needs review, with Accept and Drop for this image. */
export function ReviewNote({ projectId, result }: { projectId: string; result: DerivedResult }) {
  const { t } = useTranslation();
  const review = useReview(projectId);
  if (!result.review || result.review.verdict !== 'needs_review') return null;
  if (result.review.accepted) {
    return (
      <p className="muted" data-testid="review-accepted">
        {t('bgReview.acceptedNote')}
      </p>
    );
  }
  return (
    <div className="review-note" role="status" data-testid="review-note">
      <p>{t('bgReview.why', { reasons: reasonsText(t, result.review.reasons) })}</p>
      <p className="muted small">{t('bgReview.hint')}</p>
      <div className="review-actions">
        <button type="button" className="button button-small" disabled={review.isPending} onClick={() => review.mutate({ ids: [result.sourceAssetId], action: 'accept' })} data-testid="review-note-accept">
          {t('bgReview.accept')}
        </button>
        <button
          type="button"
          className="button button-small button-danger-outline"
          disabled={review.isPending}
          onClick={() => review.mutate({ ids: [result.sourceAssetId], action: 'drop' })}
          data-testid="review-note-drop"
        >
          {t('bgReview.drop')}
        </button>
      </div>
    </div>
  );
}
