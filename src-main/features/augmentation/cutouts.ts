import sharp from 'sharp';
import type { Db } from '../../engine/db/database.js';
import type { InferenceRuntime } from '../../engine/inference/runtime.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { ModelStore } from '../models/public.js';

/**
 * Cut-outs augmentation needs and nobody made: a frame stored without one, a letterboxed
 * shelf photo (the border test says the subject must be cut out before the real pipeline).
 * The mask comes from the library's default background-removal model through the shared
 * inference runtime (its worker thread); joining it as alpha is libvips' work (sharp's
 * threadpool), not the event loop's. Made once per (source bytes, model) and kept.
 */
export class CutoutSource {
  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly models: ModelStore,
    private readonly inference: InferenceRuntime,
  ) {}

  /** The sha256 of an RGBA PNG the size of the source, its subject opaque. */
  async cutoutOf(sourceSha256: string, signal?: AbortSignal): Promise<string> {
    const model = await this.models.resolve(this.models.defaultId('background-removal'));
    const known = this.db.prepare('SELECT cutout_sha256 FROM augmentation_cutouts WHERE source_sha256 = ? AND model_sha256 = ?').pluck().get(sourceSha256, model.sha256) as string | undefined;
    if (known && (await this.store.has(known))) return known;
    const { data, info } = await sharp(this.store.pathOf(sourceSha256)).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const out = await this.inference.segment(model, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, signal);
    this.models.noteUsed(model.id, out.provider);
    if (out.width !== info.width || out.height !== info.height) throw new Error(`the segmenter returned a ${out.width}×${out.height} mask for a ${info.width}×${info.height} image`);
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .joinChannel(Buffer.from(out.mask.buffer, out.mask.byteOffset, out.mask.byteLength), { raw: { width: info.width, height: info.height, channels: 1 } })
      .png()
      .toBuffer();
    const { sha256 } = await this.store.putBuffer(png);
    // A cache row, not a result: written when made (a rerun finds it), never needed for correctness.
    this.db.prepare('INSERT OR REPLACE INTO augmentation_cutouts (source_sha256, model_sha256, cutout_sha256, created_at) VALUES (?, ?, ?, ?)').run(sourceSha256, model.sha256, sha256, Date.now());
    return sha256;
  }
}
