import { useSyncExternalStore } from 'react';

/**
 * What the user asked to do to a project, from a button or a shortcut (F2, Delete):
 * whichever view shows that project picks it up.
 */
interface Intents {
  renamingId: string | null;
  deletingId: string | null;
  /** The project whose selected images the user asked to delete (Delete with a selection). */
  deletingSelectionOf: string | null;
}

let state: Intents = { renamingId: null, deletingId: null, deletingSelectionOf: null };
const listeners = new Set<() => void>();

function set(patch: Partial<Intents>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

export const startRename = (id: string) => set({ renamingId: id });
export const endRename = () => set({ renamingId: null });
export const requestDelete = (id: string) => set({ deletingId: id });
export const endDelete = () => set({ deletingId: null });
export const requestDeleteSelection = (projectId: string) => set({ deletingSelectionOf: projectId });
export const endDeleteSelection = () => set({ deletingSelectionOf: null });

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useIntents(): Intents {
  return useSyncExternalStore(subscribe, () => state);
}

/** The project a shortcut applies to: the focused card's, else the one on screen. */
export function targetProjectId(routeProjectId: string | null): string | null {
  const focused = document.activeElement?.closest<HTMLElement>('[data-project-id]');
  return focused?.dataset.projectId || routeProjectId;
}
