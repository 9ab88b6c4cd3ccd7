/** Worker thread: the sharp and cut-out halves of background removal (see render.ts). */
import { workerData } from 'node:worker_threads';
import sharp from 'sharp';
import type { RemoveBackgroundOptions } from '../../../src-shared/contract/index.js';
import { BlobStore } from '../../engine/store/blob-store.js';
import { serveWorker } from '../../engine/workers/serve-worker.js';
import { ImageInputError, prepareInput, renderOutput, renderPreview, storeMask, type MaskSource, type PreparedInput, type PreviewOutput, type RenderedOutput, type StoredFile } from './render.js';

// One image at a time per worker: more libvips threads would only take cores from the model.
sharp.concurrency(1);
sharp.cache(false);

const store = new BlobStore((workerData as { dataDir: string }).dataDir);

/**
 * The model's mask for a render: bytes the model just made (stored as the cache's PNG
 * when `cache` is set), or the cached PNG's path.
 */
export type MaskInput = { data: Uint8Array; width: number; height: number; cache: boolean } | { file: string; width: number; height: number };

export type ImageRequest =
  | { type: 'prepare'; file: string; width: number; height: number }
  | { type: 'render'; file: string; mask: MaskInput; options: RemoveBackgroundOptions }
  | { type: 'preview'; file: string; mask: MaskInput; options: RemoveBackgroundOptions; maxSide: number };

export type ImageResponse =
  | { ok: true; prepared?: PreparedInput; rendered?: RenderedOutput; preview?: PreviewOutput; mask?: StoredFile }
  | { ok: false; imageError: boolean; message: string };

serveWorker<ImageRequest, ImageResponse>(async (req) => {
  try {
    if (req.type === 'prepare') return { ok: true, prepared: await prepareInput(req.file, req.width, req.height) };
    const source: MaskSource = 'data' in req.mask ? { data: req.mask.data, width: req.mask.width, height: req.mask.height } : req.mask;
    // Before the render: its output does not depend on the cache, and a cached mask spares the model next time.
    const mask = 'data' in req.mask && req.mask.cache ? await storeMask(req.mask.data, req.mask.width, req.mask.height, store) : undefined;
    if (req.type === 'render') return { ok: true, rendered: await renderOutput(req.file, source, req.options, store), mask };
    return { ok: true, preview: await renderPreview(req.file, source, req.options, req.maxSide), mask };
  } catch (err) {
    return { ok: false, imageError: err instanceof ImageInputError, message: (err as Error).message };
  }
});
