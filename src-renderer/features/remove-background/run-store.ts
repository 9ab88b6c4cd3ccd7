import { useSyncExternalStore } from 'react';
import type { RemoveBackgroundItem, RemoveBackgroundRun } from '../../../src-shared/contract/index.js';
import { createStore } from '../../app/throttle.js';

export type ItemState = 'running' | 'done' | 'failed';
export type Scope = ReadonlySet<string> | 'all' | null;

export interface RunView {
  run: RemoveBackgroundRun;
  /** The originals it covers: 'all' for the whole project; null when not known (started elsewhere, or before a reload). */
  scope: Scope;
  /** Failed images with their reasons, as segment.item reported them. */
  failures: { sourceAssetId: string; error: string }[];
  dismissed: boolean;
  startedAt: number;
}

export interface ItemView {
  projectId: string;
  runId: string;
  state: ItemState;
  error: string | null;
}

interface State {
  runs: ReadonlyMap<string, RunView>;
  items: ReadonlyMap<string, ItemView>;
}

const store = createStore<State>({ runs: new Map(), items: new Map() });

export const isActive = (run: RemoveBackgroundRun) => run.state === 'queued' || run.state === 'running';

/** A run this window started (with what it covers) or learnt of from an event or the queue. */
export function trackRun(run: RemoveBackgroundRun, scope: Scope): void {
  store.set((s) => {
    const runs = new Map(s.runs);
    const known = runs.get(run.runId);
    runs.set(run.runId, known ? { ...known, run, scope: scope ?? known.scope } : { run, scope, failures: [], dismissed: false, startedAt: Date.now() });
    let items = s.items;
    if (!known && isActive(run)) {
      // A new run over these images: what an earlier run said of them no longer applies.
      const fresh = new Map(items);
      items = fresh;
      for (const [id, item] of s.items) if (item.projectId === run.projectId && (scope === 'all' || (scope !== null && scope.has(id)))) fresh.delete(id);
    }
    return { runs, items };
  });
}

export function updateRun(run: RemoveBackgroundRun): void {
  if (!store.get().runs.has(run.runId)) {
    trackRun(run, null);
    return;
  }
  store.set((s) => {
    const runs = new Map(s.runs);
    const known = runs.get(run.runId)!;
    runs.set(run.runId, { ...known, run });
    return { ...s, runs };
  });
}

export function noteItem(item: RemoveBackgroundItem): void {
  store.set((s) => {
    const items = new Map(s.items);
    const failed = item.state === 'failed';
    items.set(item.sourceAssetId, { projectId: item.projectId, runId: item.runId, state: failed ? 'failed' : 'done', error: item.error });
    let runs = s.runs;
    const known = runs.get(item.runId);
    if (failed && known) {
      const next = new Map(runs);
      runs = next;
      next.set(item.runId, { ...known, failures: [...known.failures, { sourceAssetId: item.sourceAssetId, error: item.error ?? '' }].slice(-200) });
    }
    return { runs, items };
  });
}

export function noteRunning(projectId: string, runId: string, assetId: string): void {
  const existing = store.get().items.get(assetId);
  if (existing && existing.runId === runId && existing.state !== 'running') return;
  store.set((s) => {
    const items = new Map(s.items);
    items.set(assetId, { projectId, runId, state: 'running', error: null });
    return { ...s, items };
  });
}

export function dismissRun(runId: string): void {
  store.set((s) => {
    const known = s.runs.get(runId);
    if (!known) return s;
    const runs = new Map(s.runs);
    runs.set(runId, { ...known, dismissed: true });
    return { ...s, runs };
  });
}

export function knownRun(runId: string): RemoveBackgroundRun | undefined {
  return store.get().runs.get(runId)?.run;
}

export function useSegmentState(): State {
  return useSyncExternalStore(store.subscribe, store.get);
}

/** The runs of one project to show, newest first. */
export function runsOf(state: State, projectId: string): RunView[] {
  return [...state.runs.values()].filter((r) => r.run.projectId === projectId && !r.dismissed).sort((a, b) => b.startedAt - a.startedAt);
}

/** What a grid cell shows for an original: its item state, or pending while an active run covers it. */
export function cellState(state: State, projectId: string, assetId: string): ItemState | 'pending' | null {
  const item = state.items.get(assetId);
  if (item && item.projectId === projectId) {
    const run = state.runs.get(item.runId);
    // Running, but the run has ended (cancelled): nothing is happening to it any more.
    if (item.state === 'running' && run && !isActive(run.run)) return null;
    return item.state;
  }
  for (const r of state.runs.values()) {
    if (r.run.projectId !== projectId || !isActive(r.run) || r.scope === null) continue;
    if (r.scope === 'all' || r.scope.has(assetId)) return 'pending';
  }
  return null;
}
