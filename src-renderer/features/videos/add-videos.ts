/**
 * Video files into the engine: the desktop app hands their paths; the web mode uploads
 * each through the upload route and names the upload. What is being uploaded, and which
 * added videos still need a barcode, live in a small store the page and the barcode
 * dialog read.
 */
import { useSyncExternalStore } from 'react';
import type { VideoAddResult } from '../../../src-shared/contract/index.js';
import type { RendererBackend } from '../../backend/index.js';

/** What ffmpeg is likely to read; the engine decides in the end (a file named here is always tried). */
const VIDEO_EXTENSIONS = new Set(['mp4', 'm4v', 'mov', 'qt', 'webm', 'mkv', 'avi', 'wmv', 'mpg', 'mpeg', 'mts', 'm2ts', 'ts', '3gp', 'flv', 'ogv']);

export function isVideoFile(file: { name: string; type: string }): boolean {
  if (file.type.startsWith('video/')) return true;
  const ext = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
  return ext !== undefined && VIDEO_EXTENSIONS.has(ext);
}

export interface UploadingVideo {
  key: number;
  name: string;
  loaded: number;
  total: number;
}

interface AddState {
  uploading: readonly UploadingVideo[];
  /** Added videos that have no product yet: the barcode dialog asks for theirs. */
  askBarcode: readonly string[];
}

let state: AddState = { uploading: [], askBarcode: [] };
let nextKey = 1;
const listeners = new Set<() => void>();

function set(next: Partial<AddState>): void {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useAddState(): AddState {
  return useSyncExternalStore(subscribe, () => state);
}

export function barcodeAsked(ids: readonly string[]): void {
  set({ askBarcode: state.askBarcode.filter((id) => !ids.includes(id)) });
}

/** Adds video files (paths on the desktop, uploads in a browser); resolves with the engine's answer for all of them. */
export async function addVideoFiles(backend: RendererBackend, files: readonly File[]): Promise<VideoAddResult> {
  let result: VideoAddResult;
  if (backend.pathsForFiles) {
    const paths = backend.pathsForFiles(files);
    result = await backend.call('videos.add', { files: paths.map((path) => ({ path })) });
  } else if (backend.upload) {
    result = { videos: [], existing: 0, needBarcode: [], refused: [], batchId: null };
    // One at a time: a video is large, and the engine copies each into the library as it comes.
    for (const file of files) {
      const key = nextKey++;
      set({ uploading: [...state.uploading, { key, name: file.name, loaded: 0, total: file.size }] });
      try {
        const up = await backend.upload(file, file.name, (p) => set({ uploading: state.uploading.map((u) => (u.key === key ? { ...u, loaded: p.loaded, total: p.total } : u)) }));
        const r = await backend.call('videos.add', { files: [{ uploadId: up.uploadId, name: file.name }] });
        result = { ...result, videos: [...result.videos, ...r.videos], existing: result.existing + r.existing, needBarcode: [...result.needBarcode, ...r.needBarcode], refused: [...result.refused, ...r.refused] };
      } catch (err) {
        result = { ...result, refused: [...result.refused, { name: file.name, code: 'upload_failed', reason: err instanceof Error ? err.message : String(err) }] };
      } finally {
        set({ uploading: state.uploading.filter((u) => u.key !== key) });
      }
    }
  } else {
    throw new Error('this window can neither read file paths nor upload files');
  }
  if (result.needBarcode.length) set({ askBarcode: [...new Set([...state.askBarcode, ...result.needBarcode])] });
  return result;
}
