/** Worker thread: the sharp halves of background removal (see segment-image.ts). */
import { workerData } from 'node:worker_threads';
import sharp from 'sharp';
import type { RemoveBackgroundOptions } from '../../../src-shared/contract/index.js';
import { BlobStore } from '../../engine/store/blob-store.js';
import { serveWorker } from '../../engine/workers/serve-worker.js';
import { ImageInputError, prepareInput, renderOutput, type PreparedInput, type RenderedOutput } from './render.js';

// One image at a time per worker: more libvips threads would only take cores from the model.
sharp.concurrency(1);
sharp.cache(false);

const store = new BlobStore((workerData as { dataDir: string }).dataDir);

export type ImageRequest =
  | { type: 'prepare'; file: string; width: number; height: number }
  | { type: 'render'; file: string; mask: Uint8Array; maskWidth: number; maskHeight: number; options: RemoveBackgroundOptions };

export type ImageResponse = { ok: true; prepared?: PreparedInput; rendered?: RenderedOutput } | { ok: false; imageError: boolean; message: string };

serveWorker<ImageRequest, ImageResponse>(async (req) => {
  try {
    if (req.type === 'prepare') return { ok: true, prepared: await prepareInput(req.file, req.width, req.height) };
    return { ok: true, rendered: await renderOutput(req.file, req.mask, req.maskWidth, req.maskHeight, req.options, store) };
  } catch (err) {
    return { ok: false, imageError: err instanceof ImageInputError, message: (err as Error).message };
  }
});
