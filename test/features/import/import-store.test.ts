/**
 * The imports panel's store, on its own: what a drop becomes as its uploads turn into
 * several engine imports, how events that race the answers are held and applied, and
 * when a job counts as finished (the toast) and leaves the panel.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ImportProgress } from '../../../src-shared/contract/index.js';
import { createImportStore, isFinished, jobProgress, type ImportJob } from '../../../src-renderer/features/import/import-store.js';

const PROJECT = '01a2f000-0000-7000-8000-000000000001';
const IMPORT_A = '01a2f000-0000-7000-8000-00000000000a';
const IMPORT_B = '01a2f000-0000-7000-8000-00000000000b';

function progress(importId: string, patch: Partial<ImportProgress> = {}): ImportProgress {
  return { importId, projectId: PROJECT, state: 'running', total: 10, processed: 0, imported: 0, duplicates: 0, skipped: 0, error: null, ...patch };
}

function setup() {
  const store = createImportStore({ emitIntervalMs: 0, doneLingerMs: 10_000 });
  const finished: ImportJob[] = [];
  store.onJobFinished((job) => finished.push(job));
  const job = (key: string) => store.get().find((j) => j.key === key);
  return { store, finished, job };
}

describe('import store', () => {
  it('one drop uploaded in two batches is one job over two engine imports, finished once when the last one ends', () => {
    const { store, finished, job } = setup();
    const key = store.createJob('…');
    store.updateJob(key, { phase: 'uploading', label: 'Paketli Ürünler', found: 20, totalFiles: 20, totalBytes: 2_000 }, true);

    // The first batch: an event for it arrives before import.start answers, and must wait for that answer.
    store.startingImport();
    store.applyProgress(progress(IMPORT_A, { total: 12, processed: 3, imported: 3 }));
    expect(store.get()).toHaveLength(1);
    expect(job(key)!.imports).toEqual([]);
    store.attachImport(key, progress(IMPORT_A, { state: 'scanning', total: 0 }), true);
    expect(job(key)!.imports).toEqual([progress(IMPORT_A, { total: 12, processed: 3, imported: 3 })]);
    expect(job(key)!.projectId).toBe(PROJECT);
    expect(job(key)!.phase).toBe('uploading');

    // While files still upload, the bar's total counts them (it does not jump back when the next batch is added).
    expect(jobProgress(job(key)!)).toMatchObject({ state: 'running', total: 20, processed: 3, imported: 3 });
    store.applyProgress(progress(IMPORT_A, { state: 'done', total: 12, processed: 12, imported: 11, duplicates: 1 }));
    expect(isFinished(job(key)!)).toBe(false);
    expect(finished).toEqual([]);

    store.startingImport();
    store.attachImport(key, progress(IMPORT_B, { total: 8 }), false);
    expect(job(key)!.phase).toBe('engine');
    store.applyProgress(progress(IMPORT_B, { state: 'done', total: 8, processed: 8, imported: 7, skipped: 1 }));

    expect(finished).toHaveLength(1);
    expect(finished[0]!.key).toBe(key);
    expect(jobProgress(job(key)!)).toEqual({ state: 'done', total: 20, processed: 20, imported: 18, duplicates: 1, skipped: 1, error: null });
    // A replayed end (after a reconnect) tells no one twice.
    store.applyProgress(progress(IMPORT_B, { state: 'done', total: 8, processed: 8, imported: 7, skipped: 1 }));
    expect(finished).toHaveLength(1);
  });

  it('never goes backwards: a late running event after the end, or an older count, is ignored', () => {
    const { store, job } = setup();
    const key = store.createJob('a');
    store.startingImport();
    store.attachImport(key, progress(IMPORT_A, { processed: 5 }), false);
    store.applyProgress(progress(IMPORT_A, { processed: 4 }));
    expect(jobProgress(job(key)!)!.processed).toBe(5);
    store.applyProgress(progress(IMPORT_A, { state: 'done', processed: 10, imported: 10 }));
    store.applyProgress(progress(IMPORT_A, { state: 'running', processed: 9 }));
    expect(jobProgress(job(key)!)).toMatchObject({ state: 'done', processed: 10 });
  });

  it('an import started elsewhere (the CLI, another window) shows up from its events alone', () => {
    const { store, finished } = setup();
    store.applyProgress(progress(IMPORT_A, { state: 'scanning', total: 0 }));
    expect(store.get()).toHaveLength(1);
    const [job] = store.get();
    expect(job).toMatchObject({ phase: 'engine', expectsMore: false, projectId: PROJECT, label: '' });
    expect(jobProgress(job!)!.state).toBe('scanning');
    store.applyProgress(progress(IMPORT_A, { state: 'interrupted', processed: 4 }));
    expect(finished).toHaveLength(1);
    expect(jobProgress(store.get()[0]!)!.state).toBe('interrupted');
  });

  it('a failure outside the engine (upload, import.start) finishes the job with its reason and keeps it in the panel', async () => {
    vi.useFakeTimers();
    try {
      const { store, finished, job } = setup();
      const failedKey = store.createJob('bad');
      store.startingImport();
      store.startFailed();
      store.failJob(failedKey, 'the engine cannot be reached');
      expect(finished.map((j) => j.error)).toEqual(['the engine cannot be reached']);

      const okKey = store.createJob('good');
      store.startingImport();
      store.attachImport(okKey, progress(IMPORT_A, { state: 'done', processed: 10, imported: 10 }), false);
      expect(finished).toHaveLength(2);
      // A clean finish leaves by itself after a while; the failed one waits to be dismissed.
      await vi.advanceTimersByTimeAsync(10_000);
      expect(job(okKey)).toBeUndefined();
      expect(job(failedKey)).toBeDefined();
      store.dismissJob(failedKey);
      expect(store.get()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the six newest finished jobs, and resolves importEnded with the last progress', async () => {
    const { store } = setup();
    const ended = store.importEnded(IMPORT_A);
    for (let i = 0; i < 8; i++) store.failJob(store.createJob(`job ${i}`), `reason ${i}`);
    expect(store.get().map((j) => j.label)).toEqual(['job 2', 'job 3', 'job 4', 'job 5', 'job 6', 'job 7']);
    store.applyProgress(progress(IMPORT_A, { state: 'failed', error: 'disk full' }));
    await expect(ended).resolves.toMatchObject({ importId: IMPORT_A, state: 'failed', error: 'disk full' });
  });

  it('tells subscribers when jobs change', () => {
    const { store } = setup();
    const seen: number[] = [];
    const off = store.subscribe(() => seen.push(store.get().length));
    store.createJob('a');
    off();
    store.createJob('b');
    expect(seen).toEqual([1]);
  });
});

describe('why a job failed, in the UI language', () => {
  it('a failed call is worded by its code in Turkish (no English engine text), and kept as the engine said it in English', async () => {
    const { createInstance } = await import('i18next');
    const shell = await import('../../../src-renderer/i18n/en.js');
    const shellTr = await import('../../../src-renderer/i18n/tr.js');
    const feature = await import('../../../src-renderer/features/import/messages.js');
    const { jobErrorText } = await import('../../../src-renderer/features/import/import-store.js');
    const i18n = createInstance();
    await i18n.init({
      lng: 'tr',
      resources: { en: { translation: { ...shell.en, ...feature.en } }, tr: { translation: { ...shellTr.tr, ...feature.tr } } },
      fallbackLng: 'en',
      interpolation: { escapeValue: false },
    });
    const { store, job } = setup();
    const failWith = (error: string, code: string | null) => {
      const key = store.createJob('Raf');
      store.failJob(key, error, code);
      return job(key)!;
    };
    const unreachable = failWith('the engine cannot be reached: connect ECONNREFUSED', 'unavailable');
    const uploads = failWith('upload of a.jpg failed: the engine cannot be reached', 'upload_failed');
    const tr = i18n.getFixedT('tr');
    for (const j of [unreachable, uploads]) {
      const text = jobErrorText(tr, j, null);
      expect(text).not.toBe('');
      expect(text).not.toMatch(/engine|reached|upload|failed/i);
    }
    expect(jobErrorText(tr, unreachable, null)).toBe(shellTr.tr.callErrors.unavailable);
    const en = i18n.getFixedT('en');
    expect(jobErrorText(en, unreachable, null)).toBe('the engine cannot be reached: connect ECONNREFUSED');
    expect(jobErrorText(en, uploads, null)).toContain('upload of a.jpg failed');
  });
});
