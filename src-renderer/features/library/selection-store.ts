import type { QueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { createStore } from '../../app/throttle.js';
import type { RendererBackend } from '../../backend/index.js';
import { assetPageKey, fetchPage, PAGE_SIZE, type AssetPage } from './queries.js';
import type { ListView } from './view-store.js';

/**
 * The grid's selection, for one project at a time: asset ids, plus the anchor a
 * shift-click extends from. A range is taken in the order the grid shows (the view's
 * sort, filter and search), so Shift+click selects what lies between on screen.
 */
export interface Selection {
  projectId: string | null;
  ids: ReadonlySet<string>;
  anchor: number | null;
}

const empty: Selection = { projectId: null, ids: new Set(), anchor: null };

/** Import order, everything: the grid's view when nobody changed it. */
export const IMPORT_ORDER: ListView = { sort: 'import', order: 'asc', filter: 'all', query: '' };

/** The ids of originals from..to (inclusive) in the view's order, from the query cache or fetched page by page. */
async function idsInRange(queryClient: QueryClient, backend: RendererBackend, projectId: string, from: number, to: number, view: ListView): Promise<string[]> {
  const out: string[] = [];
  for (let page = Math.floor(from / PAGE_SIZE); page <= Math.floor(to / PAGE_SIZE); page++) {
    const data = await queryClient.fetchQuery<AssetPage>({
      queryKey: assetPageKey(projectId, view, page),
      queryFn: () => fetchPage(backend, projectId, view, page),
      staleTime: 60_000,
    });
    data.items.forEach((a, i) => {
      const index = page * PAGE_SIZE + i;
      if (index >= from && index <= to) out.push(a.id);
    });
  }
  return out;
}

/** A selection store: plain state and the operations the grid and its keys use (no React). */
export function createSelectionStore() {
  const store = createStore<Selection>(empty);

  /** The selection in this project (empty when it was made in another one). */
  function selectionOf(projectId: string): Selection {
    const s = store.get();
    return s.projectId === projectId ? s : empty;
  }

  function clearSelection(): void {
    if (store.get().ids.size || store.get().anchor !== null) store.set(empty);
  }

  /** Ctrl/Cmd+click or Space: in or out, and the anchor moves here. */
  function toggleSelected(projectId: string, assetId: string, index: number): void {
    const ids = new Set(selectionOf(projectId).ids);
    if (ids.has(assetId)) ids.delete(assetId);
    else ids.add(assetId);
    store.set({ projectId, ids, anchor: index });
  }

  /** Shift-click: everything between the anchor and this cell joins the selection. */
  async function extendSelection(queryClient: QueryClient, backend: RendererBackend, projectId: string, index: number, view: ListView = IMPORT_ORDER): Promise<void> {
    const anchor = selectionOf(projectId).anchor ?? index;
    const range = await idsInRange(queryClient, backend, projectId, Math.min(anchor, index), Math.max(anchor, index), view);
    const ids = new Set(selectionOf(projectId).ids);
    for (const id of range) ids.add(id);
    store.set({ projectId, ids, anchor });
  }

  /** Every image the view lists (all of the project, or what the filter or search left). */
  async function selectAll(queryClient: QueryClient, backend: RendererBackend, projectId: string, total: number, view: ListView = IMPORT_ORDER): Promise<void> {
    if (total === 0) return;
    // What the view lists may be fewer than the project holds: its first page says how many.
    const first = await queryClient.fetchQuery<AssetPage>({ queryKey: assetPageKey(projectId, view, 0), queryFn: () => fetchPage(backend, projectId, view, 0), staleTime: 60_000 });
    if (first.total === 0) return;
    const ids = await idsInRange(queryClient, backend, projectId, 0, first.total - 1, view);
    store.set({ projectId, ids: new Set(ids), anchor: selectionOf(projectId).anchor });
  }

  /** Images that left the project (deleted, moved) leave the selection. */
  function deselect(projectId: string, ids: readonly string[]): void {
    const s = selectionOf(projectId);
    if (!ids.some((id) => s.ids.has(id))) return;
    const next = new Set(s.ids);
    for (const id of ids) next.delete(id);
    store.set({ projectId, ids: next, anchor: null });
  }

  return { get: store.get, subscribe: store.subscribe, selectionOf, clearSelection, toggleSelected, extendSelection, selectAll, deselect };
}

export type SelectionStore = ReturnType<typeof createSelectionStore>;

/** The window's one selection. */
export const selectionStore = createSelectionStore();
export const { selectionOf, clearSelection, toggleSelected, extendSelection, selectAll, deselect } = selectionStore;

export function useSelection(projectId: string): Selection {
  const s = useSyncExternalStore(selectionStore.subscribe, selectionStore.get);
  return s.projectId === projectId ? s : empty;
}
