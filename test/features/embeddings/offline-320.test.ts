/**
 * The 320 px built-in embedder (offline-embedder.ts' OFFLINE_EMBEDDER_320_ID): listed as
 * installed beside the default with no download, built at first use with its recorded
 * sha256, a 320×320 input (the image worker prepares that size, the graph takes it),
 * the default's dimension, and vectors of its own: not the default's under another name.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderInfo } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { OFFLINE_EMBEDDER_320_SHA256, OFFLINE_EMBEDDERS } from '../../../src-main/features/embeddings/offline-embedder.js';
import { embeddingsFeature, OFFLINE_EMBEDDER_320_ID, OFFLINE_EMBEDDER_ID } from '../../../src-main/features/embeddings/public.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';

/** A product-like picture: a label on a bottle shape, with fine print a larger input resolves. */
function picture(): Buffer {
  const lines = Array.from({ length: 12 }, (_, i) => `<text x="70" y="${70 + i * 9}" font-size="7">ingredients line ${i}</text>`).join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="300" height="260"><rect width="300" height="260" fill="#dde"/><rect x="60" y="30" width="180" height="210" rx="20" fill="#c33"/>${lines}</svg>`);
}

describe('the 320 px built-in embedder', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let cacheDir: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-offline-320-'));
    cacheDir = path.join(dir, 'models');
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1, settings: { embeddings: { modelCacheDir: cacheDir } } });
  });
  afterAll(async () => {
    await engine?.close().catch(() => {});
    await cleanup?.();
  });

  it('is listed as installed and offline beside the default, with the same dimension', async () => {
    const models = (await createDispatcher(engine)('embeddings.models', {})) as EmbedderInfo[];
    const def = models.find((m) => m.id === OFFLINE_EMBEDDER_ID)!;
    const sharp = models.find((m) => m.id === OFFLINE_EMBEDDER_320_ID)!;
    expect(sharp).toMatchObject({ installed: true, source: 'offline', dimension: def.dimension, active: false });
    expect(models[0]!.id).toBe(OFFLINE_EMBEDDER_ID);
    expect(OFFLINE_EMBEDDERS.find((v) => v.id === OFFLINE_EMBEDDER_320_ID)!.recipe.size).toBe(320);
  });

  it('is built at first use with its recorded sha256 and embeds at 320 px: unit vectors that are not the default’s', { timeout: 240_000 }, async () => {
    const embeddings = engine.use(embeddingsFeature);
    const [sharp] = await embeddings.embedFiles(OFFLINE_EMBEDDER_320_ID, [picture()]);
    const [def] = await embeddings.embedFiles(OFFLINE_EMBEDDER_ID, [picture()]);
    if (!sharp || !('vector' in sharp) || !def || !('vector' in def)) throw new Error(`not embedded: ${JSON.stringify([sharp, def])}`);
    expect(sharp.vector.length).toBe(def.vector.length);
    expect(Math.hypot(...sharp.vector)).toBeCloseTo(1, 5);
    const files = await fs.readdir(cacheDir);
    expect(files).toContain(`${OFFLINE_EMBEDDER_320_ID}-${OFFLINE_EMBEDDER_320_SHA256}.onnx`);
    // Same weights, another input size: close (the same picture), never equal.
    const cosine = sharp.vector.reduce((s, v, k) => s + v * def.vector[k]!, 0);
    expect(cosine).toBeGreaterThan(0.8);
    expect(cosine).toBeLessThan(0.9999);
  });
});
