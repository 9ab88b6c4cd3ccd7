import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { showToast } from '../../ui/toasts.js';
import { useMoveAssets, useProjects } from './queries.js';
import { deselect } from './selection-store.js';
import { refusalText } from './UndoBar.js';
import { callErrorText } from '../../app/labels.js';

/** Moves the selected images, with their results, into another project of the user's choosing. */
export function MoveDialog({ project, ids, onClose }: { project: Project; ids: readonly string[]; onClose: () => void }) {
  const { t } = useTranslation();
  const formId = useId();
  const projects = (useProjects().data ?? []).filter((p) => p.id !== project.id);
  const [to, setTo] = useState<string | null>(null);
  const target = to ?? projects[0]?.id ?? null;
  const move = useMoveAssets(project.id);
  const submit = () => {
    if (!target) return;
    move.mutate(
      { ids: [...ids], to: target },
      {
        onSuccess: ({ moved, refused }) => {
          deselect(project.id, ids);
          const name = projects.find((p) => p.id === target)?.name ?? '';
          if (refused.length) showToast({ kind: 'error', title: t('move.partly', { moved, refused: refused.length, name }), detail: refusalText(t, refused) });
          else showToast({ kind: 'success', title: t('move.done', { count: moved, name }) });
          onClose();
        },
      },
    );
  };
  return (
    <Dialog title={t('move.title', { count: ids.length })} onClose={onClose} testId="move-dialog">
      {projects.length === 0 ? (
        <>
          <p className="muted">{t('move.noOther')}</p>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose} data-testid="move-close">
              {t('common.close')}
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <div className="field">
            <label htmlFor={`${formId}-to`}>{t('move.to')}</label>
            <select id={`${formId}-to`} value={target ?? ''} onChange={(e) => setTo(e.currentTarget.value)} data-testid="move-target">
              {projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} · {t('projects.images', { count: p.assetCount })}
                </option>
              ))}
            </select>
          </div>
          <p className="muted">{t('move.hint')}</p>
          {move.error ? (
            <p className="error" role="alert">
              {callErrorText(t, move.error)}
            </p>
          ) : null}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="button button-primary" disabled={!target || move.isPending} data-testid="move-confirm">
              {t('move.confirm', { count: ids.length })}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
