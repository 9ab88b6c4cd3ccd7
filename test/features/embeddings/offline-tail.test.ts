/**
 * The built-ins' trainable tail (offline-tail.ts): block-16 maps through nsfwjs' final
 * convolution remake the `final` part of the embedder's own vector, and the graph rebuilt
 * with the layer's weights put back is the built-in's, byte for byte (its recorded sha256),
 * so a fine-tuned model differs from its parent only by what training changed.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadOfflineEmbedderInProcess } from '../../../src-main/features/embeddings/in-process-embedder.js';
import { OFFLINE_EMBEDDER_ID, OFFLINE_EMBEDDER_SHA256 } from '../../../src-main/features/embeddings/offline-embedder.js';
import { buildFineTunedOfflineEmbedder, loadOfflineTailMapsInProcess, readOfflineTail } from '../../../src-main/features/embeddings/offline-tail.js';

/** A few distinct pictures: gradients and blocks of colour. */
async function pictures(): Promise<Buffer[]> {
  return Promise.all(
    [
      [200, 40, 40],
      [30, 160, 60],
      [40, 60, 210],
    ].map(async ([r, g, b], i) => {
      const w = 300 + 40 * i;
      const h = 260;
      const raw = Buffer.alloc(w * h * 3);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 3;
          const block = ((x >> 5) + (y >> 5) + i) % 3 === 0;
          raw[o] = block ? r! : (x * 255) / w;
          raw[o + 1] = block ? g! : (y * 255) / h;
          raw[o + 2] = block ? b! : 128;
        }
      return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    }),
  );
}

describe('the built-in embedder tail', () => {
  it('its maps through the initial layer remake the final part of the vector', async () => {
    const images = await pictures();
    const loaded = await loadOfflineTailMapsInProcess(OFFLINE_EMBEDDER_ID);
    const maps = await loaded.maps(images);
    loaded.dispose();
    const { tail } = loaded;
    expect(tail).toMatchObject({ inChannels: 448, outChannels: 1792, positions: 49, slice: { start: 360, end: 2152 } });
    const embedder = await loadOfflineEmbedderInProcess(8, OFFLINE_EMBEDDER_ID);
    const vectors = await embedder.embed(images);
    embedder.dispose();
    for (const [i, map] of maps.entries()) {
      const pooled = new Float64Array(tail.outChannels);
      for (let p = 0; p < tail.positions; p++)
        for (let o = 0; o < tail.outChannels; o++) {
          let a = tail.bias[o]!;
          for (let c = 0; c < tail.inChannels; c++) a += map[p * tail.inChannels + c]! * tail.kernel[c * tail.outChannels + o]!;
          pooled[o]! += Math.min(6, Math.max(0, a)) / tail.positions;
        }
      const norm = Math.hypot(...pooled);
      const v = vectors[i]!;
      const part = Math.hypot(...v.subarray(tail.slice.start, tail.slice.end));
      // Three unit parts joined, then the unit colour part: the final part's length is 1/√6.
      expect(part).toBeCloseTo(1 / Math.sqrt(6), 5);
      let err = 0;
      for (let o = 0; o < tail.outChannels; o++) err = Math.max(err, Math.abs((pooled[o]! / norm) * part - v[tail.slice.start + o]!));
      expect(err).toBeLessThan(1e-6);
    }
  }, 60_000);

  it('rebuilt with its own weights it is the built-in; with others, another graph', async () => {
    const tail = await readOfflineTail(OFFLINE_EMBEDDER_ID);
    expect((await buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, tail)).sha256).toBe(OFFLINE_EMBEDDER_SHA256);
    const moved = { kernel: tail.kernel.map((x, i) => (i === 0 ? x + 0.01 : x)), bias: tail.bias };
    expect((await buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, moved)).sha256).not.toBe(OFFLINE_EMBEDDER_SHA256);
    await expect(buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, { kernel: tail.kernel.subarray(1), bias: tail.bias })).rejects.toThrow(/do not fit/);
  }, 60_000);
});
