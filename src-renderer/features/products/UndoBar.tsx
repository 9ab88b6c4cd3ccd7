import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBackend } from '../../backend/index.js';
import { showToast } from '../../ui/toasts.js';
import { productsKey } from './queries.js';

/** Shown this long after a delete; the engine keeps the token longer (10 min), so Undo never races its expiry. */
const UNDO_SHOWN_MS = 30_000;

interface Deleted {
  count: number;
  token: string | null;
  /** A new delete replaces the bar (and its timer). */
  at: number;
}

export function useUndo() {
  const [deleted, setDeleted] = useState<Deleted | null>(null);
  const show = useCallback((count: number, token: string | null) => setDeleted({ count, token, at: Date.now() }), []);
  const dismiss = useCallback(() => setDeleted(null), []);
  return { deleted, show, dismiss };
}

/** "{n} products deleted · Undo": Undo restores through the delete's token and says what could not come back. */
export function UndoBar({ undo }: { undo: ReturnType<typeof useUndo> }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const { deleted, dismiss } = undo;
  const restoreRef = useRef<() => Promise<void>>(async () => {});
  useEffect(() => {
    if (!deleted) return;
    const timer = setTimeout(dismiss, UNDO_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [deleted, dismiss]);
  const restore = async () => {
    if (!deleted?.token) return;
    setBusy(true);
    try {
      const r = await backend.call('products.restore', { undoToken: deleted.token });
      if (r.restored) showToast({ kind: 'success', title: t('products.restored', { count: r.restored }), tag: 'product-restored' });
      if (r.refused.length) {
        const reasons = [...new Set(r.refused.map((x) => x.reason))].join('; ');
        showToast({ kind: 'error', title: t('products.restoreRefused', { detail: `${r.refused.length} — ${reasons}` }), tag: 'product-restore-refused' });
      }
    } catch (err) {
      showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
    } finally {
      setBusy(false);
      dismiss();
      void queryClient.invalidateQueries({ queryKey: productsKey });
    }
  };
  // Ctrl+Z (⌘Z) undoes the delete while the bar shows, unless the user is typing (a text field keeps its own undo).
  useEffect(() => {
    if (!deleted?.token) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'z' || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey) return;
      if ((e.target as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable="true"]')) return;
      e.preventDefault();
      void restoreRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [deleted]);
  restoreRef.current = restore;
  if (!deleted) return null;
  return (
    <div className="product-undo" role="status" data-testid="product-undo" data-count={deleted.count}>
      <span>{t('products.deleted', { count: deleted.count })}</span>
      {deleted.token ? (
        <button type="button" className="button button-small" onClick={() => void restore()} disabled={busy} title={t('products.undoKey')} data-testid="product-undo-button">
          {t('products.undo')} <kbd>{navigator.platform.startsWith('Mac') ? '⌘Z' : 'Ctrl+Z'}</kbd>
        </button>
      ) : null}
      <button type="button" className="icon-button" aria-label={t('toast.dismiss')} onClick={dismiss}>
        ✕
      </button>
    </div>
  );
}
