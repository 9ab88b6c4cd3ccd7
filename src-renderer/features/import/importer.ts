import { ContractError, type ImportProgress } from '../../../src-shared/contract/index.js';
import type { RendererBackend } from '../../backend/index.js';
import { commonFolder, type PickedFile } from './collect-files.js';
import {
  applyProgress,
  attachImport,
  createJob,
  dismissJob,
  failJob,
  importEnded,
  noMoreImports,
  startFailed,
  startingImport,
  updateJob,
} from './import-store.js';

/** Uploads in flight at once: enough to hide per-request latency, few enough not to starve the engine's workers. */
const UPLOAD_CONCURRENCY = 4;
/**
 * The first batch goes to the engine as soon as this many files are up, so thumbnails
 * start to appear within a second of a big drop; later batches take whatever has
 * arrived while the previous one was imported.
 */
const FIRST_BATCH = 12;
/** Progress normally comes by event; this poll only covers a dropped event link. */
const POLL_MS = 3_000;

export interface ImportTarget {
  /** Add to this project instead of making a new one. */
  projectId?: string;
}

function labelFor(files: readonly PickedFile[]): string {
  const folder = commonFolder(files);
  if (folder) return folder;
  const first = files[0]?.relPath ?? '';
  return files.length > 1 ? `${first} +${files.length - 1}` : first;
}

/** A failed call as the job keeps it: the engine's text and, for the UI's words, its contract code. */
function failureOf(err: unknown): [string, string | null] {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
  return [err instanceof Error ? err.message : String(err), code];
}

const terminal = new Set(['done', 'failed', 'interrupted']);

/** Resolves when the import has ended, by its events or, if they stop coming, by asking. */
async function waitForEnd(backend: RendererBackend, importId: string): Promise<ImportProgress> {
  let ended = false;
  const byEvents = importEnded(importId).then((p) => {
    ended = true;
    return p;
  });
  const byPolling = (async () => {
    while (!ended) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (ended) break;
      try {
        const p = await backend.call('import.get', { importId });
        applyProgress(p);
        if (terminal.has(p.state)) return p;
      } catch {
        /* the link is down; the events or the next poll will tell */
      }
    }
    return byEvents;
  })();
  return Promise.race([byEvents, byPolling]);
}

/**
 * Web mode: read the drop, upload each file with its relative path, and have the engine
 * import the uploads in consecutive batches into one project while the rest upload.
 * Batches run one after another, so the project keeps the drop's order. Resolves with
 * the first batch's progress (the project is known then), or null when nothing could be
 * imported (the job in the panel says why); the rest carries on in the background.
 */
export async function importByUpload(
  backend: RendererBackend,
  collect: (onFound: (count: number) => void) => Promise<PickedFile[]>,
  target: ImportTarget,
  emptyMessage: () => void,
): Promise<ImportProgress | null> {
  const upload = backend.upload?.bind(backend);
  if (!upload) throw new Error('this transport cannot upload files');
  const key = createJob('…');
  let picked: PickedFile[];
  try {
    picked = await collect((found) => updateJob(key, { found }));
  } catch (err) {
    failJob(key, ...failureOf(err));
    return null;
  }
  if (picked.length === 0) {
    dismissJob(key);
    emptyMessage();
    return null;
  }
  const totalBytes = picked.reduce((sum, p) => sum + p.file.size, 0);
  updateJob(key, { phase: 'uploading', label: labelFor(picked), found: picked.length, totalFiles: picked.length, totalBytes }, true);

  // One dropped folder: paths inside it, and the project named after it, as when the
  // desktop app hands the engine the folder's path (its scan works the same way).
  const folder = commonFolder(picked);
  const nameOf = (relPath: string) => (folder ? relPath.slice(folder.length + 1) : relPath);

  let resolveFirst!: (p: ImportProgress | null) => void;
  const first = new Promise<ImportProgress | null>((r) => (resolveFirst = r));

  /** Per file: its upload id, null if its upload failed, undefined while in flight. */
  const uploaded: (string | null | undefined)[] = new Array(picked.length).fill(undefined);
  const failures: { name: string; reason: string }[] = [];
  let nextBatchStart = 0;
  let batchRunning = false;
  let stopped = false;
  let projectId = target.projectId;
  let imports = 0;

  const runBatches = async (): Promise<void> => {
    if (batchRunning || stopped) return;
    // The settled files from where the last batch ended, in drop order.
    let end = nextBatchStart;
    while (end < picked.length && uploaded[end] !== undefined) end++;
    const last = end === picked.length;
    const indices = [];
    for (let i = nextBatchStart; i < end; i++) if (uploaded[i]) indices.push(i);
    if (!last && indices.length < (imports === 0 ? FIRST_BATCH : 1)) return;
    batchRunning = true;
    nextBatchStart = end;
    try {
      if (indices.length === 0) {
        // Only failed uploads left.
        if (imports === 0) {
          failJob(key, failures[0]?.reason ?? 'no file could be uploaded', 'upload_failed');
          resolveFirst(null);
        } else noMoreImports(key);
        return;
      }
      startingImport();
      let progress: ImportProgress;
      try {
        progress = await backend.call('import.start', {
          uploadIds: indices.map((i) => uploaded[i]!),
          uploadNames: indices.map((i) => nameOf(picked[i]!.relPath)),
          ...(projectId ? { projectId } : folder ? { projectName: folder.slice(0, 200) } : {}),
        });
      } catch (err) {
        startFailed();
        stopped = true;
        failJob(key, ...failureOf(err));
        resolveFirst(null);
        return;
      }
      imports++;
      projectId = progress.projectId;
      attachImport(key, progress, !last);
      resolveFirst(progress);
      if (last) return;
      await waitForEnd(backend, progress.importId);
    } finally {
      batchRunning = false;
    }
    await runBatches();
  };

  const sent = new Array<number>(picked.length).fill(0);
  let sentBytes = 0;
  let doneFiles = 0;
  let next = 0;
  const lane = async () => {
    while (next < picked.length && !stopped) {
      const index = next++;
      const { file, relPath } = picked[index]!;
      const onProgress = ({ loaded }: { loaded: number }) => {
        sentBytes += loaded - sent[index]!;
        sent[index] = loaded;
        updateJob(key, { uploadedBytes: sentBytes });
      };
      try {
        let result;
        try {
          result = await upload(file, relPath, onProgress);
        } catch (err) {
          // One retry for a dropped connection; a refusal (too big, no token) would only fail again.
          if (!(err instanceof ContractError) || err.code !== 'unavailable') throw err;
          onProgress({ loaded: 0 });
          result = await upload(file, relPath, onProgress);
        }
        uploaded[index] = result.uploadId;
      } catch (err) {
        uploaded[index] = null;
        failures.push({ name: relPath, reason: failureOf(err)[0] });
      }
      doneFiles++;
      updateJob(key, { uploadedFiles: doneFiles, uploadFailures: [...failures] });
      void runBatches();
    }
  };
  void Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, picked.length) }, lane)).then(() => runBatches());
  return first;
}

/** Desktop app: the engine reads the dropped files and folders where they are. */
export async function importByPaths(
  backend: RendererBackend,
  paths: string[],
  label: string,
  target: ImportTarget & { projectName?: string },
): Promise<ImportProgress | null> {
  const key = createJob(label);
  updateJob(key, { phase: 'engine' }, true);
  startingImport();
  try {
    const progress = await backend.call('import.start', {
      paths,
      ...(target.projectId ? { projectId: target.projectId } : {}),
      ...(target.projectName ? { projectName: target.projectName } : {}),
    });
    attachImport(key, progress, false);
    return progress;
  } catch (err) {
    startFailed();
    failJob(key, ...failureOf(err));
    return null;
  }
}
