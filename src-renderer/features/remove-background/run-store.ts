import { useSyncExternalStore } from 'react';
import type { RemoveBackgroundItem, RemoveBackgroundRun } from '../../../src-shared/contract/index.js';
import { createStore } from '../../app/throttle.js';

export type ItemState = 'running' | 'done' | 'failed';
/** The originals a run covers: 'all' for the whole project; null when not known (started elsewhere, or before a reload). */
export type Scope = ReadonlySet<string> | 'all' | null;

export interface RunFailure {
  sourceAssetId: string;
  /** The image's path in its project, when the engine said. */
  fileName: string | null;
  error: string;
  errorCode: string | null;
}

export interface RunView {
  run: RemoveBackgroundRun;
  scope: Scope;
  /** Failed images with their reasons, as remove-background.item reported them (the last 200). */
  failures: RunFailure[];
  dismissed: boolean;
  startedAt: number;
}

export interface ItemView {
  projectId: string;
  runId: string;
  state: ItemState;
  error: string | null;
  errorCode: string | null;
}

export interface RunState {
  runs: ReadonlyMap<string, RunView>;
  /** The latest word on each original, by its asset id. */
  items: ReadonlyMap<string, ItemView>;
}

const MAX_FAILURES = 200;

export const isActive = (run: RemoveBackgroundRun) => run.state === 'queued' || run.state === 'running';

/**
 * Whether snapshot `a` of a run is older than `b`: a run only moves from queued to running
 * to an end, and its counts only grow while it does. A call's answer (the start's, a
 * cancel's, a restore's) can reach the window after events that were sent later: a run
 * whose images all had cached masks ends before the start's answer arrives.
 */
export function isBehind(a: RemoveBackgroundRun, b: RemoveBackgroundRun): boolean {
  const rank = (r: RemoveBackgroundRun) => (r.state === 'queued' ? 0 : r.state === 'running' ? 1 : 2);
  const seen = (r: RemoveBackgroundRun) => r.done + r.reused + r.needsReview + r.failed;
  return rank(a) !== rank(b) ? rank(a) < rank(b) : seen(a) < seen(b);
}

/**
 * What this window knows of background-removal runs and of each image in them: a plain
 * store (no React, no engine), fed by the live hook and read by the project view, the
 * grid overlay and the Queue page's presenter.
 */
export function createRunStore(now: () => number = Date.now) {
  const store = createStore<RunState>({ runs: new Map(), items: new Map() });

  /**
   * A run this window started (with what it covers) or learnt of from an event or the
   * queue. A call's answer older than what events already said keeps the newer state.
   */
  function trackRun(run: RemoveBackgroundRun, scope: Scope): void {
    store.set((s) => {
      const runs = new Map(s.runs);
      const known = runs.get(run.runId);
      runs.set(
        run.runId,
        known
          ? { ...known, run: isBehind(run, known.run) ? known.run : run, scope: scope ?? known.scope }
          : { run, scope, failures: [], dismissed: false, startedAt: now() },
      );
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

  /**
   * The engine's word on a run. Events arrive in the order they were sent and always apply
   * (a retried run goes back from failed to running); a call's answer (`from: 'call'`)
   * applies only when it is not older than what the window knows.
   */
  function updateRun(run: RemoveBackgroundRun, from: 'event' | 'call' = 'event'): void {
    const known = store.get().runs.get(run.runId);
    if (!known) {
      trackRun(run, null);
      return;
    }
    if (from === 'call' && isBehind(run, known.run)) return;
    store.set((s) => {
      const runs = new Map(s.runs);
      runs.set(run.runId, { ...runs.get(run.runId)!, run });
      return { ...s, runs };
    });
  }

  function noteItem(item: RemoveBackgroundItem): void {
    store.set((s) => {
      const items = new Map(s.items);
      const failed = item.state === 'failed';
      const errorCode = item.errorCode ?? null;
      items.set(item.sourceAssetId, { projectId: item.projectId, runId: item.runId, state: failed ? 'failed' : 'done', error: item.error, errorCode });
      let runs = s.runs;
      const known = runs.get(item.runId);
      if (failed && known) {
        const next = new Map(runs);
        runs = next;
        const failure = { sourceAssetId: item.sourceAssetId, fileName: item.fileName ?? null, error: item.error ?? '', errorCode };
        next.set(item.runId, { ...known, failures: [...known.failures, failure].slice(-MAX_FAILURES) });
      }
      return { runs, items };
    });
  }

  /** A job of the run started on this original (the engine says which in the job's payload). */
  function noteRunning(projectId: string, runId: string, assetId: string): void {
    const existing = store.get().items.get(assetId);
    if (existing && existing.runId === runId && existing.state !== 'running') return;
    store.set((s) => {
      const items = new Map(s.items);
      items.set(assetId, { projectId, runId, state: 'running', error: null, errorCode: null });
      return { ...s, items };
    });
  }

  function dismissRun(runId: string): void {
    store.set((s) => {
      const known = s.runs.get(runId);
      if (!known) return s;
      const runs = new Map(s.runs);
      runs.set(runId, { ...known, dismissed: true });
      return { ...s, runs };
    });
  }

  function knownRun(runId: string): RemoveBackgroundRun | undefined {
    return store.get().runs.get(runId)?.run;
  }

  return { get: store.get, subscribe: store.subscribe, trackRun, updateRun, noteItem, noteRunning, dismissRun, knownRun };
}

export type RunStore = ReturnType<typeof createRunStore>;

/** The window's one store. */
export const runStore = createRunStore();

export function useRunState(): RunState {
  return useSyncExternalStore(runStore.subscribe, runStore.get);
}

/** The runs of one project to show, newest first. */
export function runsOf(state: RunState, projectId: string): RunView[] {
  return [...state.runs.values()].filter((r) => r.run.projectId === projectId && !r.dismissed).sort((a, b) => b.startedAt - a.startedAt);
}

/** Images of a run being worked on right now. */
export function workingOn(state: RunState, runId: string): number {
  let n = 0;
  for (const item of state.items.values()) if (item.runId === runId && item.state === 'running') n++;
  return n;
}

/** What a grid cell shows for an original: its item state, or pending while an active run covers it. */
export function cellState(state: RunState, projectId: string, assetId: string): ItemState | 'pending' | null {
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
