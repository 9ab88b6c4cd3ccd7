import path from 'node:path';
import { WorkerPool } from '../../engine/workers/pool.js';
import type { AppliedOps, RealVariantOptions, SynthesizeOptions } from './augment.js';
import type { BorderReading } from './border-test.js';
import type { AugmentConfig } from './config.js';

/**
 * The augmentation worker pool: where synthesize / realVariant / the border test run, off
 * the engine's event loop. Sources travel as a path (the worker reads the file: blobs
 * never pass through the engine thread) or as bytes.
 */
export type ImageSource = { path: string } | { bytes: Uint8Array };

export type AugmentRequest =
  | { kind: 'synthesize'; cutout: ImageSource; options: SynthesizeOptions; thumb?: number }
  | { kind: 'real'; photo: ImageSource; cutout?: ImageSource; options: Omit<RealVariantOptions, 'cutout'>; thumb?: number }
  | { kind: 'borders'; photo: ImageSource; letterbox?: AugmentConfig['letterbox'] };

/**
 * `thumb`: also answer a WebP thumbnail of that longest side (what the catalog shows).
 * `inputError` marks a problem with the input (empty cut-out, undecodable file, raw photo
 * without its cut-out): fail that item with `message`; anything else is a fault.
 */
export type AugmentResponse =
  | { ok: true; jpeg: Uint8Array; applied: AppliedOps; /** WebP of longest side `thumb`, when asked. */ thumb?: Uint8Array }
  | { ok: true; borders: BorderReading }
  | { ok: false; inputError: boolean; message: string };

/** Default size: the pool's own (one worker per core, less one for the engine). */
export function createAugmentPool(size?: number): WorkerPool<AugmentRequest, AugmentResponse> {
  const ext = path.extname(new URL(import.meta.url).pathname);
  return new WorkerPool(new URL(`./augment-worker${ext}`, import.meta.url), { name: 'augment', ...(size ? { size } : {}) });
}
