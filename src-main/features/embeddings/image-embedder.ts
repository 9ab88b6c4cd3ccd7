/**
 * Images → embeddings, end to end: decode and resize in the feature's image workers,
 * batched model runs in the inference worker (InferenceRuntime.embed), the colour
 * histogram joined where a spec asks for it. The next batch is prepared while the
 * current one runs, so decoding hides behind inference.
 */
import path from 'node:path';
import type { EmbeddingModelRef } from '../../engine/inference/protocol.js';
import type { InferenceRuntime } from '../../engine/inference/runtime.js';
import { WorkerPool } from '../../engine/workers/pool.js';
import { toModelRef, type EmbedderSpec } from './embedder-spec.js';
import type { EmbeddingWorkerRequest, EmbeddingWorkerResponse } from './embedding-worker.js';
import { OFFLINE_EMBEDDER_ID, offlineEmbedderSpec, offlineVariant, OFFLINE_NETWORK_DIMENSION, type BuiltModelFile } from './offline-embedder.js';
import { normalizeRow } from './unit-vector.js';

/** An installed embedder: its manifest spec and what the inference worker loads. */
export interface EmbedderHandle {
  id: string;
  spec: EmbedderSpec;
  ref: EmbeddingModelRef;
  /**
   * A trained head on another embedder (training.models): its vector is the parent's
   * vector through `apply` (unit length in, unit length out, spec.dimension wide). spec
   * and ref are then the parent's but for the dimension; embed() runs the parent first.
   */
  head?: { parent: EmbedderHandle; apply(parentVector: Float32Array): Float32Array };
}

export interface EmbedOptions {
  /** Images per inference request (default 8). */
  batchSize?: number;
  /** Also embed the mirrored image and average (test-time augmentation; twice the work). */
  flip?: boolean;
  signal?: AbortSignal;
}

/** An image that could not be embedded: which one and why (the others in its call are not returned). */
export class EmbeddingInputError extends Error {
  override name = 'EmbeddingInputError';
  readonly errorCode = 'image_unreadable';
  constructor(
    readonly index: number,
    readonly source: string,
    cause: string,
  ) {
    super(`image ${index} (${source}) cannot be embedded: ${cause}`);
  }
}

export class ImageEmbedder {
  private readonly pool: WorkerPool<EmbeddingWorkerRequest, EmbeddingWorkerResponse>;

  constructor(
    private readonly runtime: InferenceRuntime,
    options: { workers?: number } = {},
  ) {
    const ext = path.extname(new URL(import.meta.url).pathname);
    this.pool = new WorkerPool(new URL(`./embedding-worker${ext}`, import.meta.url), { size: options.workers ?? 1, name: 'embedding-image' });
  }

  /**
   * The offline default embedder, built into `cacheDir` at first use (in a worker) and
   * reused after: see offline-embedder.ts.
   */
  async offlineDefault(cacheDir: string, expectedSha256?: string | null): Promise<EmbedderHandle & { file: BuiltModelFile }> {
    return this.offline(cacheDir, OFFLINE_EMBEDDER_ID, expectedSha256);
  }

  /** A built-in embedder (offline-embedder.ts' OFFLINE_EMBEDDERS), built at first use like the default. */
  async offline(cacheDir: string, id: string, expectedSha256?: string | null): Promise<EmbedderHandle & { file: BuiltModelFile }> {
    const variant = offlineVariant(id);
    const expected = expectedSha256 === undefined ? variant.sha256 : expectedSha256;
    const res = await this.pool.run({ type: 'build-offline', cacheDir, id, expectedSha256: /^[0-9a-f]{64}$/.test(expected ?? '') ? expected : null });
    if (res.type !== 'built') throw new Error('unexpected answer from the embedding worker');
    const { type: _type, ...file } = res;
    const spec = offlineEmbedderSpec(OFFLINE_NETWORK_DIMENSION, variant.recipe);
    return { id, spec, ref: toModelRef(id, file, spec), file };
  }

  /** One unit-length vector per source (file path or encoded bytes), row-major. */
  async embed(model: EmbedderHandle, sources: (string | Uint8Array)[], options: EmbedOptions = {}): Promise<Float32Array> {
    if (model.head) {
      const { parent, apply } = model.head;
      const base = await this.embed(parent, sources, options);
      const D = model.spec.dimension;
      const out = new Float32Array(sources.length * D);
      for (let i = 0; i < sources.length; i++) out.set(apply(base.subarray(i * parent.spec.dimension, (i + 1) * parent.spec.dimension)), i * D);
      return out;
    }
    const batchSize = Math.max(1, options.batchSize ?? 8);
    const out = new Float32Array(sources.length * model.spec.dimension);
    const batches: number[] = [];
    for (let i = 0; i < sources.length; i += batchSize) batches.push(i);
    let next = batches.length ? this.prepare(model, sources, batches[0]!, batchSize, options) : null;
    for (let k = 0; k < batches.length; k++) {
      const prepared = await next!;
      // Decode the next batch while this one is in the model.
      next = k + 1 < batches.length ? this.prepare(model, sources, batches[k + 1]!, batchSize, options) : null;
      next?.catch(() => {}); // its error surfaces when awaited
      out.set(await this.run(model, prepared, options), batches[k]! * model.spec.dimension);
    }
    return out;
  }

  /** The difference hash of each source (16 hex digits), or the reason it cannot be read. */
  async dhash(sources: readonly (string | Uint8Array)[]): Promise<({ hash: string } | { error: string })[]> {
    return Promise.all(
      sources.map(async (source) => {
        try {
          const res = await this.pool.run({ type: 'dhash', source });
          if (res.type !== 'dhash') throw new Error('unexpected answer from the embedding worker');
          return { hash: res.hash };
        } catch (err) {
          return { error: (err as Error).message };
        }
      }),
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async prepare(model: EmbedderHandle, sources: (string | Uint8Array)[], start: number, batchSize: number, options: EmbedOptions): Promise<Prepared> {
    const slice = sources.slice(start, start + batchSize);
    const views = options.flip ? [false, true] : [false];
    const hist = model.spec.histogram;
    const histogram = hist ? { bins: hist.bins, centre: hist.centre } : null;
    const items = await Promise.all(
      slice.flatMap((source, i) =>
        views.map(async (flip) => {
          try {
            const res = await this.pool.run({ type: 'prepare', source, input: model.spec.input, histogram, flip }, { signal: options.signal });
            if (res.type !== 'prepared') throw new Error('unexpected answer from the embedding worker');
            return res;
          } catch (err) {
            if ((err as Error).name === 'AbortError') throw err;
            throw new EmbeddingInputError(start + i, typeof source === 'string' ? source : `${source.length} bytes`, (err as Error).message);
          }
        }),
      ),
    );
    const [w, h] = model.spec.input.size;
    const pixels = new Uint8Array(items.length * w * h * 3);
    items.forEach((it, i) => pixels.set(it.pixels, i * w * h * 3));
    return { count: slice.length, views: views.length, pixels, histograms: items.map((it) => it.histogram) };
  }

  private async run(model: EmbedderHandle, p: Prepared, options: EmbedOptions): Promise<Float32Array> {
    const res = await this.runtime.embed(model.ref, p.pixels, p.count * p.views, options.signal);
    const D = model.spec.dimension;
    const dm = model.ref.dimension;
    const hist = model.spec.histogram;
    const out = new Float32Array(p.count * D);
    for (let i = 0; i < p.count; i++) {
      const row = out.subarray(i * D, (i + 1) * D);
      // Views of one image (original, mirrored) are averaged part by part.
      for (let v = 0; v < p.views; v++) {
        const k = i * p.views + v;
        const m = res.vectors.subarray(k * dm, (k + 1) * dm);
        for (let c = 0; c < dm; c++) row[c]! += m[c]! / p.views;
        if (hist) {
          const h = p.histograms[k]!;
          for (let c = 0; c < h.length; c++) row[dm + c]! += (hist.weight * h[c]!) / p.views;
        }
      }
      normalizeRow(row, `image ${i}`);
    }
    return out;
  }
}

interface Prepared {
  count: number;
  views: number;
  pixels: Uint8Array;
  histograms: (Float32Array | null)[];
}
