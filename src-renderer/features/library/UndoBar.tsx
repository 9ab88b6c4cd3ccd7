import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { AssetRefusal } from '../../../src-shared/contract/index.js';
import { isMac, typingIn } from '../../app/shortcuts.js';
import { createStore } from '../../app/throttle.js';
import { useBackend } from '../../backend/index.js';
import { icons } from '../../ui/icons.js';
import { showToast } from '../../ui/toasts.js';
import { assetsKey, projectKey, projectsKey } from './queries.js';
import { callErrorText } from '../../app/labels.js';

/** The last undoable delete of images: what the bar offers to bring back. */
export interface Undoable {
  projectId: string;
  token: string;
  /** i18n key and count of what was deleted. */
  message: string;
  count: number;
  /** The engine keeps the token until then; the bar leaves earlier. */
  until: number;
}

/** How long the bar stays (the engine keeps the token 10 minutes; a bar that long only gets in the way). */
const SHOWN_MS = 15_000;

const store = createStore<Undoable | null>(null);

/** Offers to undo a delete (replacing an older offer: one undo, as in a file manager). */
export function offerUndo(undo: Undoable): void {
  store.set(undo);
}

/**
 * "3 images deleted · Undo" at the bottom of the window after a delete of images, and
 * Ctrl/Cmd+Z while it shows. Mounted once by the shell, so it outlives the view it came from.
 */
export function UndoBar() {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const offer = useSyncExternalStore(store.subscribe, store.get);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!offer) return;
    const timer = setTimeout(() => store.set((now) => (now === offer ? null : now)), Math.min(SHOWN_MS, offer.until - Date.now()));
    return () => clearTimeout(timer);
  }, [offer]);

  const undo = useEffectEvent(async () => {
    if (!offer || busy) return;
    setBusy(true);
    try {
      const { restored, refused } = await backend.call('assets.restore', { undoToken: offer.token });
      store.set(null);
      if (refused.length) showToast({ kind: 'error', title: t('undo.partly', { restored, refused: refused.length }), detail: refusalText(t, refused) });
      else showToast({ kind: 'info', title: t('undo.restored', { count: restored }) });
    } catch (err) {
      store.set(null);
      showToast({ kind: 'error', title: t('undo.failed'), detail: (err as { code?: string }).code === 'not_found' ? t('undo.expired') : callErrorText(t, err) });
    } finally {
      setBusy(false);
      void queryClient.invalidateQueries({ queryKey: projectsKey });
      void queryClient.invalidateQueries({ queryKey: projectKey(offer.projectId) });
      void queryClient.invalidateQueries({ queryKey: assetsKey(offer.projectId) });
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === offer.projectId });
    }
  });

  useEffect(() => {
    if (!offer) return;
    const onKey = (e: KeyboardEvent) => {
      const modifier = isMac ? e.metaKey : e.ctrlKey;
      if (!modifier || e.shiftKey || e.altKey || e.key.toLowerCase() !== 'z' || typingIn(e.target) || e.defaultPrevented) return;
      e.preventDefault();
      void undo();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [offer]);

  if (!offer) return null;
  return (
    <div className="undo-bar" role="status" data-testid="undo-bar">
      <span>{t(offer.message, { count: offer.count })}</span>
      <button type="button" className="button button-small" onClick={() => void undo()} disabled={busy} data-testid="undo-button" title={`${isMac ? '⌘' : 'Ctrl'}+Z`}>
        {t('undo.undo')}
      </button>
      <button type="button" className="icon-button" onClick={() => store.set(null)} aria-label={t('undo.dismiss')}>
        {icons.close}
      </button>
    </div>
  );
}

/** Why images stayed where they were, in the UI's words (one line per reason). */
export function refusalText(t: TFunction, refused: readonly AssetRefusal[]): string {
  const counts = new Map<AssetRefusal['code'], number>();
  for (const r of refused) counts.set(r.code, (counts.get(r.code) ?? 0) + 1);
  return [...counts].map(([code, count]) => t(`refused.${code}`, { count })).join(' ');
}
