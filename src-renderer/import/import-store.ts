import { useSyncExternalStore } from 'react';
import type { ImportProgress } from '../../src-shared/contract/index.js';

/**
 * One import as the user sees it: in web mode it starts in this window with reading the
 * dropped folders and uploading their files, then follows the engine's progress events.
 * Imports started elsewhere (the CLI, another window) show up from their events alone.
 */
export interface ImportJob {
  key: string;
  /** What was dropped (folder name, or the first file); the project's name replaces it once known. */
  label: string;
  phase: 'collecting' | 'uploading' | 'starting' | 'engine';
  /** Files found so far while walking the dropped folders. */
  found: number;
  uploadedFiles: number;
  totalFiles: number;
  uploadedBytes: number;
  totalBytes: number;
  uploadFailures: { name: string; reason: string }[];
  importId: string | null;
  projectId: string | null;
  progress: ImportProgress | null;
  /** Set when the job failed before the engine took it (upload, import.start). */
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export type FinishedListener = (job: ImportJob) => void;

const terminal = new Set<ImportProgress['state']>(['done', 'failed', 'interrupted']);
const KEEP_FINISHED = 6;
const EMIT_INTERVAL_MS = 100;

let jobs: readonly ImportJob[] = [];
let nextKey = 1;
const listeners = new Set<() => void>();
const finishedListeners = new Set<FinishedListener>();
let emitTimer: ReturnType<typeof setTimeout> | null = null;

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
  }, EMIT_INTERVAL_MS);
}

function replace(key: string, patch: (job: ImportJob) => ImportJob): ImportJob | null {
  let updated: ImportJob | null = null;
  jobs = jobs.map((j) => (j.key === key ? (updated = patch(j)) : j));
  return updated;
}

export function isFinished(job: ImportJob): boolean {
  return job.finishedAt !== null;
}

export function createJob(label: string): string {
  const key = `job-${nextKey++}`;
  jobs = [
    ...jobs,
    {
      key,
      label,
      phase: 'collecting',
      found: 0,
      uploadedFiles: 0,
      totalFiles: 0,
      uploadedBytes: 0,
      totalBytes: 0,
      uploadFailures: [],
      importId: null,
      projectId: null,
      progress: null,
      error: null,
      startedAt: Date.now(),
      finishedAt: null,
    },
  ];
  emit(true);
  return key;
}

export function updateJob(key: string, patch: Partial<ImportJob>, immediate = false): void {
  replace(key, (j) => ({ ...j, ...patch }));
  emit(immediate);
}

export function failJob(key: string, error: string): void {
  const job = replace(key, (j) => ({ ...j, error, finishedAt: Date.now() }));
  trim();
  emit(true);
  if (job) for (const l of finishedListeners) l(job);
}

/** The engine took the import: from here on its events drive the job. */
export function attachImport(key: string, progress: ImportProgress): void {
  // Events can beat the answer to import.start; a job made from them is merged into this one.
  const early = jobs.find((j) => j.importId === progress.importId && j.key !== key);
  if (early) jobs = jobs.filter((j) => j !== early);
  const latest = early?.progress && early.progress.processed >= progress.processed ? early.progress : progress;
  replace(key, (j) => ({ ...j, phase: 'engine', importId: progress.importId, projectId: progress.projectId, progress: latest, finishedAt: early?.finishedAt ?? null }));
  // A job that finished before this answer came was announced then; not again.
  emit(true);
}

export function applyProgress(progress: ImportProgress): void {
  let job = jobs.find((j) => j.importId === progress.importId);
  if (!job) {
    // An import we did not start here, or whose import.start answer has not arrived yet.
    const key = `job-${nextKey++}`;
    job = {
      key,
      label: '',
      phase: 'engine',
      found: 0,
      uploadedFiles: 0,
      totalFiles: 0,
      uploadedBytes: 0,
      totalBytes: 0,
      uploadFailures: [],
      importId: progress.importId,
      projectId: progress.projectId,
      progress: null,
      error: null,
      startedAt: Date.now(),
      finishedAt: null,
    };
    jobs = [...jobs, job];
  }
  if (job.finishedAt) return;
  // Events of one import can arrive out of order only across a reconnect; never go backwards.
  if (job.progress && !terminal.has(progress.state) && progress.processed < job.progress.processed) return;
  const finished = terminal.has(progress.state);
  const updated = replace(job.key, (j) => ({ ...j, progress, phase: 'engine', finishedAt: finished ? Date.now() : null }));
  if (finished) trim();
  emit(finished || job.progress === null);
  if (finished && updated) for (const l of finishedListeners) l(updated);
}

export function dismissJob(key: string): void {
  jobs = jobs.filter((j) => j.key !== key);
  emit(true);
}

function trim(): void {
  const finished = jobs.filter(isFinished);
  if (finished.length <= KEEP_FINISHED) return;
  const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED).map((j) => j.key));
  jobs = jobs.filter((j) => !drop.has(j.key));
}

export function onJobFinished(listener: FinishedListener): () => void {
  finishedListeners.add(listener);
  return () => finishedListeners.delete(listener);
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useImportJobs(): readonly ImportJob[] {
  return useSyncExternalStore(subscribe, () => jobs);
}

export function getJobs(): readonly ImportJob[] {
  return jobs;
}
