import type { QueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { createStore } from '../../app/throttle.js';
import type { RendererBackend } from '../../backend/index.js';
import { assetPageKey, PAGE_SIZE, type AssetPage } from './queries.js';

/**
 * The grid's selection, for one project at a time: asset ids, plus the anchor a
 * shift-click extends from. Originals are append-only in import order, so an index
 * range means the same images until the project is deleted.
 */
export interface Selection {
  projectId: string | null;
  ids: ReadonlySet<string>;
  anchor: number | null;
}

const empty: Selection = { projectId: null, ids: new Set(), anchor: null };

/** The ids of originals from..to (inclusive), from the query cache or fetched page by page. */
async function idsInRange(queryClient: QueryClient, backend: RendererBackend, projectId: string, from: number, to: number): Promise<string[]> {
  const out: string[] = [];
  for (let page = Math.floor(from / PAGE_SIZE); page <= Math.floor(to / PAGE_SIZE); page++) {
    const data = await queryClient.fetchQuery<AssetPage>({
      queryKey: assetPageKey(projectId, page),
      queryFn: () => backend.call('assets.list', { projectId, offset: page * PAGE_SIZE, limit: PAGE_SIZE }),
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
  async function extendSelection(queryClient: QueryClient, backend: RendererBackend, projectId: string, index: number): Promise<void> {
    const anchor = selectionOf(projectId).anchor ?? index;
    const range = await idsInRange(queryClient, backend, projectId, Math.min(anchor, index), Math.max(anchor, index));
    const ids = new Set(selectionOf(projectId).ids);
    for (const id of range) ids.add(id);
    store.set({ projectId, ids, anchor });
  }

  async function selectAll(queryClient: QueryClient, backend: RendererBackend, projectId: string, total: number): Promise<void> {
    if (total === 0) return;
    const ids = await idsInRange(queryClient, backend, projectId, 0, total - 1);
    store.set({ projectId, ids: new Set(ids), anchor: selectionOf(projectId).anchor });
  }

  return { get: store.get, subscribe: store.subscribe, selectionOf, clearSelection, toggleSelected, extendSelection, selectAll };
}

export type SelectionStore = ReturnType<typeof createSelectionStore>;

/** The window's one selection. */
export const selectionStore = createSelectionStore();
export const { selectionOf, clearSelection, toggleSelected, extendSelection, selectAll } = selectionStore;

export function useSelection(projectId: string): Selection {
  const s = useSyncExternalStore(selectionStore.subscribe, selectionStore.get);
  return s.projectId === projectId ? s : empty;
}
