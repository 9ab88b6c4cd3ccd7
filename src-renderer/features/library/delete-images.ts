import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { showToast } from '../../ui/toasts.js';
import { useDeleteAssets } from './queries.js';
import { deselect } from './selection-store.js';
import { offerUndo } from './UndoBar.js';
import { callErrorText } from '../../app/labels.js';

/**
 * Deletes images now and offers Undo (the engine keeps them restorable for a while):
 * the way a file manager or a photo library deletes, not a question first.
 */
export function useDeleteImages(projectId: string) {
  const { t } = useTranslation();
  const remove = useDeleteAssets(projectId);
  return useCallback(
    (ids: readonly string[], then?: () => void) => {
      if (ids.length === 0) return;
      remove.mutate([...ids], {
        onSuccess: ({ deleted, undoToken, undoUntil }) => {
          deselect(projectId, ids);
          if (undoToken && undoUntil) offerUndo({ projectId, token: undoToken, message: 'undo.deleted', count: deleted, until: undoUntil });
          then?.();
        },
        onError: (err) => showToast({ kind: 'error', title: t('grid.deleteFailed'), detail: callErrorText(t, err) }),
      });
    },
    [remove, projectId, t],
  );
}
