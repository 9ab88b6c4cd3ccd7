import type { ShortcutContribution } from '../../app/feature.js';
import { focusPageSearch } from '../../app/page-search.js';
import { currentRoute, navigate } from '../../app/router.js';
import { requestDelete, requestDeleteSelection, startRename, targetProjectId } from './intents.js';
import { SEARCH_INPUT_ID } from './ProjectList.js';
import { selectionOf } from './selection-store.js';
import { GRID_SEARCH_ID } from './view-store.js';

/** Focuses the search of what is on screen: the page's own (Products, Matching…), a project's images, else the projects (going to the Gallery when this page has none). */
function focusSearch(): void {
  if (focusPageSearch()) return;
  const inProject = document.getElementById(GRID_SEARCH_ID);
  if (inProject) {
    inProject.focus();
    (inProject as HTMLInputElement).select();
    return;
  }
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

/** A key that acts on the focused project card, else the project on screen. */
function onProject(act: (projectId: string) => void) {
  return (route: { projectId: string | null }) => {
    const id = targetProjectId(route.projectId);
    if (id) act(id);
    return id !== null;
  };
}

/** The library's keys; the grid's own (Ctrl+A, Space, Esc, arrows) are handled where they apply and only listed here. */
export const libraryShortcuts: ShortcutContribution[] = [
  { id: 'rename', order: 10, keys: () => 'F2', label: 'shortcuts.rename', binding: { key: 'F2', run: onProject(startRename) } },
  {
    id: 'delete',
    order: 20,
    keys: () => 'Delete',
    label: 'shortcuts.delete',
    binding: {
      key: 'Delete',
      run: (route) => {
        // In a project with images selected, Delete removes those images (undoable), never the project.
        if (route.projectId && !document.activeElement?.closest('[data-project-id].project-card') && selectionOf(route.projectId).ids.size > 0) {
          requestDeleteSelection(route.projectId);
          return true;
        }
        return onProject(requestDelete)(route);
      },
    },
  },
  {
    id: 'search',
    order: 30,
    keys: () => '/',
    label: 'shortcuts.search',
    binding: {
      key: '/',
      run: () => {
        focusSearch();
        return true;
      },
    },
  },
  { id: 'select-all', order: 60, keys: (_t, mod) => `${mod}+A`, label: 'shortcuts.selectAll' },
  { id: 'select', order: 70, keys: (t, mod) => `${mod}+${t('shortcuts.click')}`, label: 'shortcuts.select' },
  { id: 'select-range', order: 80, keys: (t) => `Shift+${t('shortcuts.click')}`, label: 'shortcuts.selectRange' },
  { id: 'space', order: 90, keys: (t) => t('shortcuts.spaceKey'), label: 'shortcuts.space' },
  { id: 'arrows', order: 100, keys: () => '← →', label: 'shortcuts.arrows' },
  { id: 'escape', order: 110, keys: () => 'Esc', label: 'shortcuts.escape' },
];
