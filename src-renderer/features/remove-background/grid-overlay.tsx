import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { Asset } from '../../../src-shared/contract/index.js';
import type { CellDecorator, GridOverlay, VisiblePage } from '../../app/feature.js';
import { errorText } from '../../app/labels.js';
import { cutoutIcon } from './icons.js';
import { usePageResults } from './queries.js';
import { reasonsText } from './Preview.js';
import { needsReview } from './review.js';
import { cellState, useRunState } from './run-store.js';

/**
 * On each cell of the project grid: a badge with how many results the original has, and
 * its state in a run under way (a still dashed ring while it waits, a spinning one while
 * it is worked on, a red mark with the reason in the tooltip when it failed).
 */
function useDecorator(projectId: string, visible: readonly VisiblePage[]): CellDecorator {
  const { t } = useTranslation();
  const results = usePageResults(projectId, visible);
  const state = useRunState();
  return useCallback(
    (asset: Asset) => {
      const mine = results.get(asset.id);
      const count = mine?.length ?? 0;
      const cell = cellState(state, projectId, asset.id);
      if (!count && !cell) return null;
      const item = cell === 'failed' ? state.items.get(asset.id) : undefined;
      const doubtful = needsReview(mine);
      const why = doubtful ? t('bgReview.why', { reasons: reasonsText(t, doubtful.review!.reasons) }) : null;
      return {
        label: [count ? t('removeBackground.hasResults', { count }) : null, cell ? t(`removeBackground.cellState.${cell}`) : null, doubtful ? t('bgReview.needsReview') : null]
          .filter(Boolean)
          .join(', '),
        title: [item ? errorText(t, item.errorCode, item.error) : null, why].filter(Boolean).join('\n') || null,
        data: { 'data-results': count || undefined, 'data-seg-state': cell ?? undefined, 'data-review': doubtful ? 'needs_review' : undefined },
        content: (
          <>
            {doubtful ? (
              <span className="cell-review" data-testid="review-badge" aria-hidden="true" title={why ?? undefined}>
                !
              </span>
            ) : null}
            {count ? (
              <span className="cell-badge" data-testid="result-badge" aria-hidden="true" title={t('removeBackground.hasResults', { count })}>
                {cutoutIcon}
                {count > 1 ? <span>{count}</span> : null}
              </span>
            ) : null}
            {cell && cell !== 'done' ? <span className={`cell-state cell-state-${cell}`} aria-hidden="true" data-testid="cell-state" /> : null}
          </>
        ),
      };
    },
    [results, state, projectId, t],
  );
}

export const removeBackgroundGridOverlay: GridOverlay = { id: 'remove-background', order: 10, useDecorator };
