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
import { buildFineTunedOfflineEmbedder, loadOfflineTailMapsInProcess, offlineTailMapBytes, readOfflineTail, type OfflineTail } from '../../../src-main/features/embeddings/offline-tail.js';

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

/** The pooled, normalised output of the tail's layers on one map, scaled to `part` (float64 sums). */
function finalPart(tail: OfflineTail, map: Float32Array, part: number): Float64Array {
  let x = Float64Array.from(map);
  for (const l of tail.layers) {
    const y = new Float64Array(tail.positions * l.outChannels);
    for (let p = 0; p < tail.positions; p++)
      for (let o = 0; o < l.outChannels; o++) {
        let a = l.bias[o]!;
        for (let c = 0; c < l.inChannels; c++) a += x[p * l.inChannels + c]! * l.kernel[c * l.outChannels + o]!;
        y[p * l.outChannels + o] = l.activation === 'relu6' ? Math.min(6, Math.max(0, a)) : a;
      }
    x = y;
  }
  const out = tail.layers.at(-1)!.outChannels;
  const pooled = new Float64Array(out);
  for (let p = 0; p < tail.positions; p++) for (let o = 0; o < out; o++) pooled[o]! += x[p * out + o]! / tail.positions;
  const norm = Math.hypot(...pooled);
  return pooled.map((v) => (v / norm) * part);
}

describe('the built-in embedder tail', () => {
  it('its maps through the initial layers (one or two) remake the final part of the vector', async () => {
    const images = await pictures();
    const embedder = await loadOfflineEmbedderInProcess(8, OFFLINE_EMBEDDER_ID);
    const vectors = await embedder.embed(images);
    embedder.dispose();
    for (const layers of [1, 2]) {
      const loaded = await loadOfflineTailMapsInProcess(OFFLINE_EMBEDDER_ID, { layers });
      const maps = await loaded.maps(images);
      loaded.dispose();
      const { tail } = loaded;
      expect(tail).toMatchObject({ positions: 49, slice: { start: 360, end: 2152 } });
      expect(tail.layers.map((l) => [l.inChannels, l.outChannels, l.activation])).toEqual(layers === 1 ? [[448, 1792, 'relu6']] : [[1344, 448, 'none'], [448, 1792, 'relu6']]);
      expect(maps[0]!.length * 4).toBe(offlineTailMapBytes(OFFLINE_EMBEDDER_ID, layers));
      for (const [i, map] of maps.entries()) {
        const v = vectors[i]!;
        const part = Math.hypot(...v.subarray(tail.slice.start, tail.slice.end));
        // Three unit parts joined, then the unit colour part: the final part's length is 1/√6.
        expect(part).toBeCloseTo(1 / Math.sqrt(6), 5);
        const remade = finalPart(tail, map, part);
        let err = 0;
        for (let o = 0; o < remade.length; o++) err = Math.max(err, Math.abs(remade[o]! - v[tail.slice.start + o]!));
        expect(err).toBeLessThan(1e-6);
      }
    }
  }, 120_000);

  it('rebuilt with its own weights it is the built-in; with others, another graph', async () => {
    const tail = await readOfflineTail(OFFLINE_EMBEDDER_ID, 2);
    expect((await buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, tail.layers)).sha256).toBe(OFFLINE_EMBEDDER_SHA256);
    expect((await buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, tail.layers.slice(1))).sha256).toBe(OFFLINE_EMBEDDER_SHA256);
    // Either layer moved is another graph.
    for (const k of [0, 1]) {
      const moved = tail.layers.map((l, i) => (i === k ? { kernel: l.kernel.map((x, j) => (j === 0 ? x + 0.01 : x)), bias: l.bias } : l));
      expect((await buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, moved)).sha256).not.toBe(OFFLINE_EMBEDDER_SHA256);
    }
    await expect(buildFineTunedOfflineEmbedder(OFFLINE_EMBEDDER_ID, [{ kernel: tail.layers[1]!.kernel.subarray(1), bias: tail.layers[1]!.bias }])).rejects.toThrow(/do not fit/);
    await expect(readOfflineTail(OFFLINE_EMBEDDER_ID, 3)).rejects.toThrow(/1 to 2 layers/);
  }, 60_000);
});
