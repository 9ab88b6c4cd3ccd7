import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { icons } from './icons.js';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  detail?: string;
  /** What it is about (e.g. 'batch'), for tests and styles. */
  tag?: string;
}

const DISMISS_MS = { success: 6_000, info: 6_000, error: 12_000 } as const;
const MAX_SHOWN = 5;

let toasts: readonly Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit(): void {
  for (const l of listeners) l();
}

export function showToast(toast: Omit<Toast, 'id'>): number {
  const id = nextId++;
  toasts = [...toasts, { ...toast, id }].slice(-MAX_SHOWN);
  emit();
  setTimeout(() => dismissToast(id), DISMISS_MS[toast.kind]);
  return id;
}

export function dismissToast(id: number): void {
  if (!toasts.some((t) => t.id === id)) return;
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function Toasts() {
  const { t } = useTranslation();
  const list = useSyncExternalStore(subscribe, () => toasts);
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      {/* Polite: an import finishing must not interrupt what a screen reader is saying. */}
      <ol aria-live="polite" aria-relevant="additions">
        {list.map((toast) => (
          <li key={toast.id} className={`toast toast-${toast.kind}`} data-testid="toast" data-kind={toast.kind} data-tag={toast.tag} role={toast.kind === 'error' ? 'alert' : 'status'}>
            <div className="toast-text">
              <strong>{toast.title}</strong>
              {toast.detail ? <span>{toast.detail}</span> : null}
            </div>
            <button type="button" className="icon-button" aria-label={t('toast.dismiss')} onClick={() => dismissToast(toast.id)}>
              {icons.close}
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}
