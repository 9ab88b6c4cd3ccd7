import { useEffect, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { currentRoute, navigate, pages } from './router.js';
import { chooseFolder } from '../features/import/DropTarget.js';
import { requestDelete, startRename, targetProjectId } from '../features/library/intents.js';
import { SEARCH_INPUT_ID } from '../features/library/ProjectList.js';
import { Dialog } from '../ui/Dialog.js';

export const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
export const modKey = isMac ? '⌘' : 'Ctrl';

let helpOpen = false;
const listeners = new Set<() => void>();
function setHelp(open: boolean): void {
  helpOpen = open;
  for (const l of listeners) l();
}
export const openShortcutHelp = () => setHelp(true);

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/** Focuses the project search, going to the Gallery first when this page has none. */
function focusSearch(): void {
  const tryFocus = (attempts: number) => {
    const input = document.getElementById(SEARCH_INPUT_ID);
    if (input) {
      input.focus();
      (input as HTMLInputElement).select();
    } else if (attempts > 0) requestAnimationFrame(() => tryFocus(attempts - 1));
  };
  if (!document.getElementById(SEARCH_INPUT_ID)) {
    const route = currentRoute();
    navigate({ page: route.page === 'batch' ? 'batch' : 'gallery', projectId: null });
  }
  tryFocus(10);
}

/** The app's keyboard shortcuts; the help dialog lists the same table. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const modifier = isMac ? e.metaKey : e.ctrlKey;
      // Modal dialogs own the keyboard while open.
      if (document.querySelector('dialog[open]')) return;

      if (modifier && !e.altKey && !e.shiftKey && /^[1-7]$/.test(e.key)) {
        e.preventDefault();
        navigate({ page: pages[Number(e.key) - 1]!, projectId: null });
        return;
      }
      if (modifier && !e.altKey && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        chooseFolder();
        return;
      }
      if (typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const route = currentRoute();
      switch (e.key) {
        case 'F2': {
          const id = targetProjectId(route.projectId);
          if (id) {
            e.preventDefault();
            startRename(id);
          }
          break;
        }
        case 'Delete': {
          const id = targetProjectId(route.projectId);
          if (id) {
            e.preventDefault();
            requestDelete(id);
          }
          break;
        }
        case '/':
          e.preventDefault();
          focusSearch();
          break;
        case '?':
          e.preventDefault();
          setHelp(true);
          break;
        default:
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function ShortcutHelp() {
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
    ...pages.map((p, i): [string, string] => [`${modKey}+${i + 1}`, t('shortcuts.goTo', { page: t(`nav.${p}`) })]),
    ['F2', t('shortcuts.rename')],
    ['Delete', t('shortcuts.delete')],
    ['/', t('shortcuts.search')],
    [`${modKey}+O`, t('shortcuts.chooseFolder')],
    ['B', t('shortcuts.removeBackground')],
    [`${modKey}+A`, t('shortcuts.selectAll')],
    [`${modKey}+${t('shortcuts.click')}`, t('shortcuts.select')],
    [`Shift+${t('shortcuts.click')}`, t('shortcuts.selectRange')],
    [t('shortcuts.spaceKey'), t('shortcuts.space')],
    ['← →', t('shortcuts.arrows')],
    ['Esc', t('shortcuts.escape')],
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
