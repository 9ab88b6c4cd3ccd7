import type { TFunction } from 'i18next';
import { callErrorText, errorText } from '../../app/labels.js';
import { useSyncExternalStore } from 'react';
import type { ImportProgress } from '../../../src-shared/contract/index.js';

/**
 * One drop as the user sees it. In web mode it starts in this window (reading the dropped
 * folders, uploading their files) and the engine imports the uploads in consecutive
 * batches while the rest are still uploading, so one job can span several engine
 * imports. Imports started elsewhere (the CLI, another window) show up from their
 * events alone, as a job with one import.
 */
export interface ImportJob {
  key: string;
  /** What was dropped (folder name, or the first file); the project's name replaces it once known. */
  label: string;
  /** 'uploading' lasts until the last file is sent; the engine may be importing meanwhile. */
  phase: 'collecting' | 'uploading' | 'engine';
  /** Files found so far while walking the dropped folders. */
  found: number;
  uploadedFiles: number;
  totalFiles: number;
  uploadedBytes: number;
  totalBytes: number;
  uploadFailures: { name: string; reason: string }[];
  /** The engine imports of this job, in order, with their latest progress. */
  imports: ImportProgress[];
  projectId: string | null;
  /** More engine imports will follow (uploads or their import.start still under way). */
  expectsMore: boolean;
  /** Set when the job failed outside the engine (upload, import.start). */
  error: string | null;
  /** The failed call's contract code (unavailable, invalid_input…), for the UI to word it. */
  errorCode: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** The job's engine imports summed up, as one progress. */
export interface JobProgress {
  state: ImportProgress['state'];
  total: number;
  processed: number;
  imported: number;
  duplicates: number;
  skipped: number;
  error: string | null;
}

export type FinishedListener = (job: ImportJob) => void;

const terminal = new Set<ImportProgress['state']>(['done', 'failed', 'interrupted']);
const KEEP_FINISHED = 6;
const EMIT_INTERVAL_MS = 100;
const DONE_LINGER_MS = 10_000;

export function isFinished(job: ImportJob): boolean {
  return job.finishedAt !== null;
}

export function jobProgress(job: ImportJob): JobProgress | null {
  if (job.imports.length === 0) return null;
  const sum = (f: (p: ImportProgress) => number) => job.imports.reduce((s, p) => s + f(p), 0);
  const failed = job.imports.find((p) => p.state === 'failed');
  let state: ImportProgress['state'];
  if (failed) state = 'failed';
  else if (job.imports.some((p) => p.state === 'interrupted')) state = 'interrupted';
  else if (job.expectsMore || job.imports.some((p) => !terminal.has(p.state))) state = job.imports.some((p) => p.state !== 'scanning') ? 'running' : 'scanning';
  else state = 'done';
  return {
    state,
    // Files still uploading count too, so the bar does not jump back when a batch is added.
    total: Math.max(sum((p) => p.total), job.totalFiles - job.uploadFailures.length),
    processed: sum((p) => p.processed),
    imported: sum((p) => p.imported),
    duplicates: sum((p) => p.duplicates),
    skipped: sum((p) => p.skipped),
    error: failed?.error ?? null,
  };
}

/**
 * The imports panel's jobs: a plain store (no React, no engine), fed by the importer
 * (what this window drops and uploads) and by import.progress events (its own imports
 * and those started elsewhere).
 */
export function createImportStore(options: { now?: () => number; emitIntervalMs?: number; doneLingerMs?: number } = {}) {
  const now = options.now ?? Date.now;
  let jobs: readonly ImportJob[] = [];
  let nextKey = 1;
  const listeners = new Set<() => void>();
  const finishedListeners = new Set<FinishedListener>();
  let emitTimer: ReturnType<typeof setTimeout> | null = null;
  /** import.start calls awaiting their answer; events for unknown imports wait until they are in. */
  let pendingStarts = 0;
  let buffered: ImportProgress[] = [];

  /** Upload progress arrives per XHR chunk; repaint the panel at most ~10 times a second. */
  function emit(immediate = false): void {
    if (immediate) {
      if (emitTimer) clearTimeout(emitTimer);
      emitTimer = null;
      for (const l of listeners) l();
      return;
    }
    if (emitTimer) return;
    emitTimer = setTimeout(() => {
      emitTimer = null;
      for (const l of listeners) l();
    }, options.emitIntervalMs ?? EMIT_INTERVAL_MS);
  }

  function replace(key: string, patch: (job: ImportJob) => ImportJob): ImportJob | null {
    const index = jobs.findIndex((j) => j.key === key);
    if (index < 0) return null;
    const updated = patch(jobs[index]!);
    jobs = [...jobs.slice(0, index), updated, ...jobs.slice(index + 1)];
    return updated;
  }

  function newJob(label: string, phase: ImportJob['phase']): ImportJob {
    return {
      key: `job-${nextKey++}`,
      label,
      phase,
      found: 0,
      uploadedFiles: 0,
      totalFiles: 0,
      uploadedBytes: 0,
      totalBytes: 0,
      uploadFailures: [],
      imports: [],
      projectId: null,
      expectsMore: true,
      error: null,
      errorCode: null,
      startedAt: now(),
      finishedAt: null,
    };
  }

  function createJob(label: string): string {
    const job = newJob(label, 'collecting');
    jobs = [...jobs, job];
    emit(true);
    return job.key;
  }

  function updateJob(key: string, patch: Partial<Pick<ImportJob, 'label' | 'phase' | 'found' | 'uploadedFiles' | 'totalFiles' | 'uploadedBytes' | 'totalBytes' | 'uploadFailures'>>, immediate = false): void {
    replace(key, (j) => ({ ...j, ...patch }));
    emit(immediate);
  }

  /** Fires the finished listeners once, when nothing more can change the job. */
  function settle(key: string): void {
    const job = jobs.find((j) => j.key === key);
    if (!job || job.finishedAt !== null) return;
    const done = job.error !== null || (!job.expectsMore && job.imports.length > 0 && job.imports.every((p) => terminal.has(p.state)));
    if (!done) return;
    const finished = replace(key, (j) => ({ ...j, finishedAt: now() }))!;
    trim();
    emit(true);
    for (const l of finishedListeners) l(finished);
    // A clean finish has had its toast; it leaves the panel by itself. Failures stay until dismissed.
    if (jobProgress(finished)?.state === 'done' && !finished.error) setTimeout(() => dismissJob(key), options.doneLingerMs ?? DONE_LINGER_MS);
  }

  function failJob(key: string, error: string, errorCode: string | null = null): void {
    replace(key, (j) => ({ ...j, error, errorCode, expectsMore: false }));
    settle(key);
    emit(true);
  }

  /** Call before import.start, then attachImport() or startFailed() with its answer. */
  function startingImport(): void {
    pendingStarts++;
  }

  function startFailed(): void {
    pendingStarts = Math.max(0, pendingStarts - 1);
    replay();
  }

  /**
   * The engine took an import for this job. `more`: further imports will follow (the last
   * batch says false). Events that beat the answer were held back and are applied now.
   */
  function attachImport(key: string, progress: ImportProgress, more: boolean): void {
    pendingStarts = Math.max(0, pendingStarts - 1);
    replace(key, (j) => ({
      ...j,
      phase: more ? j.phase : 'engine',
      projectId: progress.projectId,
      expectsMore: more,
      imports: j.imports.some((p) => p.importId === progress.importId) ? j.imports : [...j.imports, progress],
    }));
    replay();
    settle(key);
    emit(true);
  }

  /** No more imports will be added to this job (e.g. the last batch had no file left to import). */
  function noMoreImports(key: string): void {
    replace(key, (j) => ({ ...j, phase: 'engine', expectsMore: false }));
    settle(key);
    emit(true);
  }

  function replay(): void {
    const held = buffered;
    buffered = [];
    for (const p of held) applyProgress(p);
  }

  function applyProgress(progress: ImportProgress): void {
    let job = jobs.find((j) => j.imports.some((p) => p.importId === progress.importId));
    if (!job) {
      if (pendingStarts > 0) {
        buffered.push(progress);
        return;
      }
      // An import we did not start here.
      job = { ...newJob('', 'engine'), projectId: progress.projectId, expectsMore: false, imports: [progress] };
      jobs = [...jobs, job];
    }
    const current = job.imports.find((p) => p.importId === progress.importId)!;
    // Only a reconnect can reorder events of one import; never go backwards.
    const stale = current !== progress && (terminal.has(current.state) || (!terminal.has(progress.state) && progress.processed < current.processed));
    if (!stale) {
      replace(job.key, (j) => ({ ...j, imports: j.imports.map((p) => (p.importId === progress.importId ? progress : p)) }));
    }
    settle(job.key);
    emit(terminal.has(progress.state));
  }

  /** Resolves with the import's last progress once it has ended (done, failed or interrupted). */
  function importEnded(importId: string): Promise<ImportProgress> {
    return new Promise((resolve) => {
      const check = () => {
        for (const j of jobs) {
          const p = j.imports.find((i) => i.importId === importId);
          if (p && terminal.has(p.state)) {
            listeners.delete(check);
            resolve(p);
            return;
          }
        }
      };
      listeners.add(check);
      check();
    });
  }

  function dismissJob(key: string): void {
    jobs = jobs.filter((j) => j.key !== key);
    emit(true);
  }

  function trim(): void {
    const finished = jobs.filter(isFinished);
    if (finished.length <= KEEP_FINISHED) return;
    const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED).map((j) => j.key));
    jobs = jobs.filter((j) => !drop.has(j.key));
  }

  function onJobFinished(listener: FinishedListener): () => void {
    finishedListeners.add(listener);
    return () => finishedListeners.delete(listener);
  }

  function subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  }

  return {
    get: () => jobs,
    subscribe,
    createJob,
    updateJob,
    failJob,
    startingImport,
    startFailed,
    attachImport,
    noMoreImports,
    applyProgress,
    importEnded,
    dismissJob,
    onJobFinished,
  };
}

export type ImportStore = ReturnType<typeof createImportStore>;

/** The window's one store. */
export const importStore = createImportStore();
export const { createJob, updateJob, failJob, startingImport, startFailed, attachImport, noMoreImports, applyProgress, importEnded, dismissJob, onJobFinished } = importStore;

export function useImportJobs(): readonly ImportJob[] {
  return useSyncExternalStore(importStore.subscribe, importStore.get);
}

/**
 * Why a job failed, in the UI language: a failed call by its contract code (English keeps
 * the engine's precise text), uploads that all failed in this feature's words, an engine
 * import's failure as the engine said it (Turkish says an untranslated engine error happened).
 */
export function jobErrorText(t: TFunction, job: ImportJob, p: JobProgress | null): string {
  if (job.error !== null) {
    if (job.errorCode === 'upload_failed') return t('imports.uploadsFailed', { reason: job.error });
    return callErrorText(t, { message: job.error, code: job.errorCode });
  }
  return p?.error ? errorText(t, null, p.error) : '';
}
