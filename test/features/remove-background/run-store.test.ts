/**
 * The remove-background run store, on its own: what each grid cell shows (waiting,
 * worked on, done, failed, nothing) as a run is started, moves and ends, and what the
 * project view lists.
 */
import { describe, expect, it } from 'vitest';
import { RemoveBackgroundItem, RemoveBackgroundOptions, RemoveBackgroundRun } from '../../../src-shared/contract/index.js';
import { cellState, createRunStore, runsOf, workingOn } from '../../../src-renderer/features/remove-background/run-store.js';

const PROJECT = '01a2f000-0000-7000-8000-000000000001';
const OTHER_PROJECT = '01a2f000-0000-7000-8000-000000000002';
const RUN_1 = '01a2f000-0000-7000-8000-0000000000a1';
const RUN_2 = '01a2f000-0000-7000-8000-0000000000b2';
const [A, B, C] = ['01a2f000-0000-7000-8000-0000000000c1', '01a2f000-0000-7000-8000-0000000000c2', '01a2f000-0000-7000-8000-0000000000c3'];

/** A run as the engine sends it (through the contract's schema, so fields it defaults are filled in). */
function run(runId: string, patch: Partial<RemoveBackgroundRun> = {}): RemoveBackgroundRun {
  return RemoveBackgroundRun.parse({
    runId,
    projectId: PROJECT,
    modelId: 'isnet-imgly-medium',
    options: RemoveBackgroundOptions.parse({ preset: 'cutout', format: 'png' }),
    state: 'queued',
    total: 2,
    done: 0,
    reused: 0,
    failed: 0,
    provider: null,
    error: null,
    ...patch,
  });
}

function item(runId: string, sourceAssetId: string, patch: Partial<RemoveBackgroundItem> = {}): RemoveBackgroundItem {
  return RemoveBackgroundItem.parse({ runId, projectId: PROJECT, sourceAssetId, state: 'done', assetId: null, error: null, provider: 'cpu', ...patch });
}

function setup() {
  let clock = 1_000;
  const store = createRunStore(() => clock++);
  const cells = (projectId = PROJECT) => [A, B, C].map((id) => cellState(store.get(), projectId, id!));
  return { store, cells };
}

describe('remove-background run store', () => {
  it('a run over a selection: its images wait, are worked on, then done or failed with the reason; the rest show nothing', () => {
    const { store, cells } = setup();
    store.trackRun(run(RUN_1), new Set([A!, B!]));
    expect(cells()).toEqual(['pending', 'pending', null]);
    // Another project's grid is not concerned.
    expect(cells(OTHER_PROJECT)).toEqual([null, null, null]);

    store.updateRun(run(RUN_1, { state: 'running' }));
    store.noteRunning(PROJECT, RUN_1, A!);
    expect(cells()).toEqual(['running', 'pending', null]);
    expect(workingOn(store.get(), RUN_1)).toBe(1);

    store.noteItem(item(RUN_1, A!));
    store.noteItem(item(RUN_1, B!, { state: 'failed', fileName: 'raf/kırık.png', error: 'Input buffer contains unsupported image format', errorCode: 'image_unreadable' }));
    expect(cells()).toEqual(['done', 'failed', null]);
    expect(workingOn(store.get(), RUN_1)).toBe(0);
    expect(store.get().items.get(B!)).toMatchObject({ state: 'failed', errorCode: 'image_unreadable' });
    expect(runsOf(store.get(), PROJECT)[0]!.failures).toEqual([
      { sourceAssetId: B, fileName: 'raf/kırık.png', error: 'Input buffer contains unsupported image format', errorCode: 'image_unreadable' },
    ]);
    // A late job.started for an image already reported does not put it back to work.
    store.noteRunning(PROJECT, RUN_1, A!);
    expect(cells()[0]).toBe('done');
  });

  it('cancelling a run clears what waited and what was being worked on', () => {
    const { store, cells } = setup();
    store.trackRun(run(RUN_1, { state: 'running', total: 3 }), 'all');
    store.noteRunning(PROJECT, RUN_1, A!);
    store.noteItem(item(RUN_1, B!));
    expect(cells()).toEqual(['running', 'done', 'pending']);
    store.updateRun(run(RUN_1, { state: 'cancelled', total: 3, done: 1 }));
    expect(cells()).toEqual([null, 'done', null]);
  });

  it('a new run over an image replaces what an earlier run said of it', () => {
    const { store, cells } = setup();
    store.trackRun(run(RUN_1, { state: 'running' }), 'all');
    store.noteItem(item(RUN_1, A!, { state: 'failed', error: 'model x is corrupt' }));
    store.noteItem(item(RUN_1, B!));
    store.updateRun(run(RUN_1, { state: 'done', done: 1, failed: 1 }));
    expect(cells()).toEqual(['failed', 'done', null]);
    store.trackRun(run(RUN_2), new Set([A!]));
    expect(cells()).toEqual(['pending', 'done', null]);
  });

  it("the start's answer arriving after the run's events does not put an ended run back in the queue", () => {
    // Every mask was cached: the engine ended the run before the window read the start's answer.
    const { store, cells } = setup();
    store.updateRun(run(RUN_1, { state: 'running' }));
    store.noteItem(item(RUN_1, A!));
    store.updateRun(run(RUN_1, { state: 'done', done: 1, needsReview: 1 }));
    store.trackRun(run(RUN_1), new Set([A!, B!]));
    expect(store.knownRun(RUN_1)).toMatchObject({ state: 'done', done: 1, needsReview: 1 });
    expect(runsOf(store.get(), PROJECT)[0]!.scope).toEqual(new Set([A, B]));
    expect(cells()).toEqual(['done', null, null]);
    // A cancel's or a restore's late answer is held to the same rule; events always apply.
    store.updateRun(run(RUN_1, { state: 'running', done: 1 }), 'call');
    expect(store.knownRun(RUN_1)?.state).toBe('done');
    store.updateRun(run(RUN_1, { state: 'running', done: 1 }));
    expect(store.knownRun(RUN_1)?.state).toBe('running');
  });

  it('a run learnt of from an event (started elsewhere) is listed, but its images are not guessed', () => {
    const { store, cells } = setup();
    store.updateRun(run(RUN_1, { state: 'running' }));
    expect(store.knownRun(RUN_1)?.state).toBe('running');
    expect(runsOf(store.get(), PROJECT).map((r) => r.scope)).toEqual([null]);
    expect(cells()).toEqual([null, null, null]);
    // The window that started it knows its scope: a later event keeps it.
    store.trackRun(run(RUN_2), new Set([C!]));
    store.updateRun(run(RUN_2, { state: 'running' }));
    expect(cells()).toEqual([null, null, 'pending']);
  });

  it('lists a project’s runs newest first, without dismissed ones; keeps the last 200 failures', () => {
    const { store } = setup();
    store.trackRun(run(RUN_1, { state: 'running', total: 250 }), 'all');
    store.trackRun(run(RUN_2, { state: 'done' }), null);
    store.trackRun(run('01a2f000-0000-7000-8000-0000000000d3', { projectId: OTHER_PROJECT }), 'all');
    expect(runsOf(store.get(), PROJECT).map((r) => r.run.runId)).toEqual([RUN_2, RUN_1]);
    store.dismissRun(RUN_2);
    expect(runsOf(store.get(), PROJECT).map((r) => r.run.runId)).toEqual([RUN_1]);

    for (let i = 0; i < 230; i++) {
      const id = `01a2f000-0000-7000-8000-${String(i).padStart(12, '0')}`;
      store.noteItem(item(RUN_1, id, { state: 'failed', error: `reason ${i}` }));
    }
    const failures = runsOf(store.get(), PROJECT)[0]!.failures;
    expect(failures).toHaveLength(200);
    expect(failures[0]!.error).toBe('reason 30');
    expect(failures[199]!.error).toBe('reason 229');
  });

  it('tells subscribers of each change', () => {
    const { store } = setup();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.trackRun(run(RUN_1), 'all');
    store.noteRunning(PROJECT, RUN_1, A!);
    off();
    store.dismissRun(RUN_1);
    expect(calls).toBe(2);
  });
});
