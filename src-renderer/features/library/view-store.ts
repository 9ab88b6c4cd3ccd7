import { useSyncExternalStore } from 'react';
import type { AssetFilter, AssetSort } from '../../../src-shared/contract/index.js';
import { storageGet, storageSet } from '../../app/storage.js';
import { createStore } from '../../app/throttle.js';

/**
 * How the project grid lists images: order, filter, search, and whether cells show the
 * originals or their newest results. Order and what cells show are remembered across
 * projects and sessions (a habit); filter and search belong to the project they were set in.
 * `skipped` is not an engine filter: it shows the files the import skipped instead of the grid.
 */
export interface GridView {
  sort: AssetSort;
  order: 'asc' | 'desc';
  filter: AssetFilter | 'skipped';
  query: string;
  show: 'originals' | 'results';
}

/** What the engine is asked for (assets.list); part of every page's query key. */
export type ListView = Pick<GridView, 'sort' | 'order' | 'query'> & { filter: AssetFilter };

const STORAGE_KEY = 'atolye.gridView';
/** The project view's search field (the / key focuses it). */
export const GRID_SEARCH_ID = 'grid-search';
const SORTS: readonly AssetSort[] = ['import', 'name', 'date', 'size'];

function remembered(): Pick<GridView, 'sort' | 'order' | 'show'> {
  try {
    const v = JSON.parse(storageGet(STORAGE_KEY) ?? '{}') as Partial<GridView>;
    return {
      sort: SORTS.includes(v.sort as AssetSort) ? (v.sort as AssetSort) : 'import',
      order: v.order === 'desc' ? 'desc' : 'asc',
      show: v.show === 'results' ? 'results' : 'originals',
    };
  } catch {
    return { sort: 'import', order: 'asc', show: 'originals' };
  }
}

export const defaultView = (): GridView => ({ ...remembered(), filter: 'all', query: '' });

const store = createStore<{ projectId: string | null; view: GridView }>({ projectId: null, view: defaultView() });

export function viewOf(projectId: string): GridView {
  const s = store.get();
  return s.projectId === projectId ? s.view : { ...s.view, filter: 'all', query: '' };
}

export function useGridView(projectId: string): GridView {
  const s = useSyncExternalStore(store.subscribe, store.get);
  return s.projectId === projectId ? s.view : { ...s.view, filter: 'all', query: '' };
}

export function setGridView(projectId: string, patch: Partial<GridView>): void {
  const view = { ...viewOf(projectId), ...patch };
  store.set({ projectId, view });
  storageSet(STORAGE_KEY, JSON.stringify({ sort: view.sort, order: view.order, show: view.show }));
}

/** The engine's part of a view (the skipped list is not a listing of images). */
export function listView(view: GridView): ListView {
  return { sort: view.sort, order: view.order, query: view.query.trim(), filter: view.filter === 'skipped' ? 'all' : view.filter };
}

/** A short, stable string for query keys. */
export function viewKey(view: ListView): string {
  return `${view.sort}:${view.order}:${view.filter}:${view.query}`;
}
