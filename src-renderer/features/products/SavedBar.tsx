import { useEffect, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useBackend } from '../../backend/index.js';

/** Shown this long after a desktop export was written. */
const SAVED_SHOWN_MS = 20_000;

/** The export the desktop app wrote last (one bar for the products page, whichever menu wrote it). */
let saved: { path: string; products: number; at: number } | null = null;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export function announceSaved(path: string, products: number): void {
  saved = { path, products, at: Date.now() };
  emit();
}

function dismissSaved(): void {
  saved = null;
  emit();
}

/** "{n} products saved to {file} · Show in folder" after a desktop export (in place of a toast, which would sit on it) (the file manager through backend.revealPath, when the app offers it). */
export function SavedBar() {
  const { t } = useTranslation();
  const backend = useBackend();
  const current = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => saved,
  );
  useEffect(() => {
    if (!current) return;
    const timer = setTimeout(dismissSaved, SAVED_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [current]);
  if (!current) return null;
  const name = current.path.split(/[\\/]/).pop() ?? current.path;
  return (
    <div className="product-undo" role="status" data-testid="product-saved">
      <span title={current.path}>{t('products.savedTo', { count: current.products, name })}</span>
      {backend.revealPath ? (
        <button type="button" className="button button-small" data-testid="product-saved-reveal" onClick={() => void backend.revealPath?.(current.path)}>
          {t('products.showInFolder')}
        </button>
      ) : null}
      <button type="button" className="icon-button" aria-label={t('toast.dismiss')} onClick={dismissSaved}>
        ✕
      </button>
    </div>
  );
}
