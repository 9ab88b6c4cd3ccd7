/**
 * Worker thread for augmentation (a WorkerPool entry; see augment-pool.ts). One output
 * per request; OpenCV's wasm is loaded once per worker, on its first request.
 */
import fs from 'node:fs/promises';
import sharp from 'sharp';
import { serveWorker } from '../../engine/workers/serve-worker.js';
import type { AugmentRequest, AugmentResponse } from './augment-pool.js';
import { realVariant, synthesize } from './augment.js';
import { readBordersOf } from './border-test.js';
import { loadCv } from './cv.js';
import { AugmentInputError } from './raw-image.js';

// One image at a time per worker: libvips' own threads would only fight the other workers.
sharp.concurrency(1);
sharp.cache(false);
// Start compiling OpenCV's wasm while the first request is on its way.
void loadCv();

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const thumbOf = async (jpeg: Buffer, side: number | undefined) =>
  side ? view(await sharp(jpeg).resize(side, side, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer()) : undefined;

const bytesOf = async (src: { path: string } | { bytes: Uint8Array }): Promise<Uint8Array> => ('path' in src ? fs.readFile(src.path) : src.bytes);

serveWorker<AugmentRequest, AugmentResponse>(async (req) => {
  try {
    if (req.kind === 'synthesize') {
      const { jpeg, applied } = await synthesize(await bytesOf(req.cutout), req.options);
      return { ok: true, jpeg: view(jpeg), applied, thumb: await thumbOf(jpeg, req.thumb) };
    }
    if (req.kind === 'real') {
      const cutout = req.cutout ? await bytesOf(req.cutout) : undefined;
      const { jpeg, applied } = await realVariant(await bytesOf(req.photo), { ...req.options, ...(cutout ? { cutout } : {}) });
      return { ok: true, jpeg: view(jpeg), applied, thumb: await thumbOf(jpeg, req.thumb) };
    }
    return { ok: true, borders: await readBordersOf(await bytesOf(req.photo), req.letterbox) };
  } catch (err) {
    return { ok: false, inputError: err instanceof AugmentInputError, message: (err as Error).message };
  }
});
