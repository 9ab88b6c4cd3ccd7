/**
 * Tri-state selection over the list's current view. With 50,000 rows the UI never holds
 * every id: "select all" is the view's filter minus the rows unticked since, which is what
 * the engine takes (`{ filter, except }`). Pure functions over an immutable value, so
 * the list keeps it in React state and tests can drive it without a DOM.
 */
import type { ProductFilter, ProductSelection } from '../../../src-shared/contract/index.js';

export type Selection =
  /** These rows. */
  | { mode: 'some'; ids: ReadonlySet<string> }
  /** Every row of the view but these. */
  | { mode: 'all'; except: ReadonlySet<string> };

export const noSelection: Selection = { mode: 'some', ids: new Set() };

export function isSelected(s: Selection, id: string): boolean {
  return s.mode === 'some' ? s.ids.has(id) : !s.except.has(id);
}

export function selectedCount(s: Selection, total: number): number {
  return s.mode === 'some' ? s.ids.size : Math.max(0, total - s.except.size);
}

/** The header checkbox: ticked, empty, or mixed. */
export function headerState(s: Selection, total: number): 'all' | 'none' | 'some' {
  const n = selectedCount(s, total);
  if (n === 0) return 'none';
  return n >= total ? 'all' : 'some';
}

function withIds(set: ReadonlySet<string>, ids: readonly string[], add: boolean): ReadonlySet<string> {
  const next = new Set(set);
  for (const id of ids) {
    if (add) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** Ticks or unticks rows (`on` undefined: flip the first row's state and give it to all). */
export function setRows(s: Selection, ids: readonly string[], on?: boolean): Selection {
  if (ids.length === 0) return s;
  const value = on ?? !isSelected(s, ids[0]!);
  return s.mode === 'some' ? { mode: 'some', ids: withIds(s.ids, ids, value) } : { mode: 'all', except: withIds(s.except, ids, !value) };
}

/** The header checkbox clicked: ticked clears, empty or mixed selects the whole view. */
export function toggleAll(s: Selection, total: number): Selection {
  return headerState(s, total) === 'all' ? noSelection : { mode: 'all', except: new Set() };
}

/** What a bulk method is sent; null when nothing is selected. */
export function toEngine(s: Selection, filter: ProductFilter, total: number): ProductSelection | null {
  if (selectedCount(s, total) === 0) return null;
  return s.mode === 'some' ? { ids: [...s.ids] } : { filter, except: [...s.except] };
}
