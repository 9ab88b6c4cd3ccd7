import { useEffect, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../ui/Dialog.js';
import type { Registry } from './registry.js';
import { currentRoute, navigate } from './router.js';

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const modKey = isMac ? '⌘' : 'Ctrl';

let helpOpen = false;
const listeners = new Set<() => void>();
function setHelp(open: boolean): void {
  helpOpen = open;
  for (const l of listeners) l();
}
export const openShortcutHelp = () => setHelp(true);

export function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/** The shell's keys: Ctrl/Cmd+digit for the pages in nav order, ? for the sheet, and every feature's global key. */
export function useShortcuts(registry: Registry): void {
  useEffect(() => {
    const bound = registry.shortcuts.flatMap((s) => (s.binding ? [s.binding] : []));
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const modifier = isMac ? e.metaKey : e.ctrlKey;
      // Modal dialogs own the keyboard while open.
      if (document.querySelector('dialog[open]')) return;

      const pageIndex = /^[1-9]$/.test(e.key) ? Number(e.key) - 1 : -1;
      if (modifier && !e.altKey && !e.shiftKey && pageIndex >= 0 && pageIndex < registry.routes.length) {
        e.preventDefault();
        navigate({ page: registry.routes[pageIndex]!.page, projectId: null });
        return;
      }
      const typing = typingIn(e.target);
      const route = currentRoute();
      for (const b of bound) {
        if (e.key.toLowerCase() !== b.key.toLowerCase() || e.altKey) continue;
        if (b.mod ? !modifier || e.shiftKey : e.ctrlKey || e.metaKey) continue;
        if (typing && !b.whileTyping) continue;
        if (b.run(route)) {
          e.preventDefault();
          return;
        }
      }
      if (e.key === '?' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [registry]);
}

/** Every key in one table: the pages first, then what the features registered, then this sheet's own. */
export function ShortcutHelp({ registry }: { registry: Registry }) {
  const { t } = useTranslation();
  const open = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => helpOpen,
  );
  if (!open) return null;
  const rows: [string, string][] = [
    ...registry.routes.slice(0, 9).map((r, i): [string, string] => [`${modKey}+${i + 1}`, t('shortcuts.goTo', { page: t(r.label) })]),
    ...registry.shortcuts.map((s): [string, string] => [s.keys(t, modKey), t(s.label)]),
    ['?', t('shortcuts.help')],
  ];
  return (
    <Dialog title={t('shortcuts.title')} onClose={() => setHelp(false)} testId="shortcut-help">
      <table className="shortcut-table">
        <thead>
          <tr>
            <th scope="col">{t('shortcuts.key')}</th>
            <th scope="col">{t('shortcuts.action')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([keys, action]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={() => setHelp(false)} autoFocus>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
