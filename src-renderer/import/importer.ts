import { ContractError, type ImportProgress } from '../../src-shared/contract/index.js';
import type { RendererBackend } from '../backend/index.js';
import { commonFolder, type PickedFile } from './collect-files.js';
import { attachImport, createJob, dismissJob, failJob, updateJob } from './import-store.js';

/** Uploads in flight at once: enough to hide per-request latency, few enough not to starve the engine's workers. */
const UPLOAD_CONCURRENCY = 4;

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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Web mode: read the drop, upload each file with its relative path, then start one
 * import naming all uploads. Returns the engine's first progress, or null when nothing
 * was imported (the job in the panel says why).
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
    failJob(key, messageOf(err));
    return null;
  }
  if (picked.length === 0) {
    dismissJob(key);
    emptyMessage();
    return null;
  }
  const totalBytes = picked.reduce((sum, p) => sum + p.file.size, 0);
  updateJob(key, { phase: 'uploading', label: labelFor(picked), found: picked.length, totalFiles: picked.length, totalBytes }, true);

  const sent = new Array<number>(picked.length).fill(0);
  let sentBytes = 0;
  let doneFiles = 0;
  const uploaded: { index: number; uploadId: string }[] = [];
  const failures: { name: string; reason: string }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < picked.length) {
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
        uploaded.push({ index, uploadId: result.uploadId });
      } catch (err) {
        failures.push({ name: relPath, reason: messageOf(err) });
      }
      doneFiles++;
      updateJob(key, { uploadedFiles: doneFiles, uploadFailures: [...failures] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, picked.length) }, lane));

  if (uploaded.length === 0) {
    failJob(key, failures[0]?.reason ?? 'no file could be uploaded');
    return null;
  }
  // The engine imports in the order given; keep the drop's order, not the upload race's.
  uploaded.sort((a, b) => a.index - b.index);
  updateJob(key, { phase: 'starting' }, true);
  // One dropped folder: paths inside it, and the project named after it, as when the
  // desktop app hands the engine the folder's path (its scan works the same way).
  const folder = commonFolder(picked);
  const nameOf = (relPath: string) => (folder ? relPath.slice(folder.length + 1) : relPath);
  try {
    const progress = await backend.call('import.start', {
      uploadIds: uploaded.map((u) => u.uploadId),
      uploadNames: uploaded.map((u) => nameOf(picked[u.index]!.relPath)),
      ...(target.projectId ? { projectId: target.projectId } : folder ? { projectName: folder.slice(0, 200) } : {}),
    });
    attachImport(key, progress);
    return progress;
  } catch (err) {
    failJob(key, messageOf(err));
    return null;
  }
}

/** Desktop app: the engine reads the dropped files and folders where they are. */
export async function importByPaths(
  backend: RendererBackend,
  paths: string[],
  label: string,
  target: ImportTarget & { projectName?: string },
): Promise<ImportProgress | null> {
  const key = createJob(label);
  updateJob(key, { phase: 'starting' }, true);
  try {
    const progress = await backend.call('import.start', {
      paths,
      ...(target.projectId ? { projectId: target.projectId } : {}),
      ...(target.projectName ? { projectName: target.projectName } : {}),
    });
    attachImport(key, progress);
    return progress;
  } catch (err) {
    failJob(key, messageOf(err));
    return null;
  }
}
