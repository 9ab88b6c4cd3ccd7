/** Gives a product frames (synthetic images) from image files, as the videos feature would: stored and thumbnailed through the engine's image workers. */
import type { Engine } from '../../../src-main/engine/engine.js';
import { productsFeature } from '../../../src-main/features/products/public.js';

export async function addFrames(engine: Engine, productId: string, files: readonly string[]): Promise<string[]> {
  const { catalog } = engine.use(productsFeature);
  const images = [];
  for (const [i, file] of files.entries()) {
    const r = await engine.images.ingest(file);
    if (!r.ok) throw new Error(`${file}: ${r.reason}`);
    images.push({ type: 'synthetic' as const, sha256: r.sha256, format: r.format, width: r.width, height: r.height, bytes: r.bytes, thumbSha256: r.thumb.sha256, source: { kind: 'file' as const, id: null }, frameIndex: i });
  }
  return catalog.addImages(productId, images, { primaryIndex: 0 });
}
