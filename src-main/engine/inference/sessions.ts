import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider, InferenceStatus, ProviderState } from '../../../src-shared/contract/index.js';
import { buildPostprocessModel, buildPreprocessModel, POST_INPUT, POST_OUTPUT, POST_SIZE, PRE_INPUT, PRE_OUTPUT } from './onnx-graph.js';
import {
  MODEL_CORRUPT,
  MODEL_MISSING,
  type EmbeddingModelRef,
  type EmbeddingOutputRef,
  type EmbedOutput,
  type ModelRef,
  type RuntimeConfig,
  type SegmentOutput,
  type TensorInfo,
} from './protocol.js';
import { missingLibraryReason, ortName } from './providers.js';

/**
 * onnxruntime session options for a provider. One place, so the benchmark's floor
 * measures exactly what the runtime runs.
 */
export function sessionOptions(provider: ExecutionProvider, intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cpu' ? ['cpu'] : [ortName[provider], 'cpu'],
    graphOptimizationLevel: 'all',
    // Sequential with all threads inside each operator: for one convolutional net at a
    // time this beats the inter-operator ("parallel") mode by ~1.8× on 2 cores.
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  };
}

interface Entry {
  kind: 'segment';
  ref: ModelRef;
  session: ort.InferenceSession;
  pre: ort.InferenceSession;
  post: ort.InferenceSession;
  inputName: string;
  outputName: string;
  provider: ExecutionProvider;
  approxBytes: number;
  loadedAt: number;
  lastUsedAt: number;
  runs: number;
  /** Runs in progress: a busy session is never evicted or unloaded under them. */
  busy: number;
}

/** A loaded embedding model: no wrapper graphs (input and pooling are a few loops over small tensors). */
interface EmbedEntry {
  kind: 'embed';
  ref: EmbeddingModelRef;
  session: ort.InferenceSession;
  inputName: string;
  /** Images per run: EMBED_MAX_BATCH, or the model's fixed batch size when its graph has one. */
  maxBatch: number;
  provider: ExecutionProvider;
  approxBytes: number;
  loadedAt: number;
  lastUsedAt: number;
  runs: number;
  busy: number;
}

/** Images per session.run: bounds the activations of one call (a batch of 16 at 224² is ~0.5 GB in a ViT-B). */
export const EMBED_MAX_BATCH = 16;

/**
 * Loaded models with their wrapper graphs, for one worker thread. Chooses the provider
 * (first that initialises), keeps sessions under a memory budget (least recently used
 * leaves first) and unloads idle ones.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry | EmbedEntry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly loadingEmbedders = new Map<string, Promise<EmbedEntry>>();
  private readonly providerState = new Map<ExecutionProvider, ProviderState>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private config: RuntimeConfig) {
    for (const p of config.providers) this.providerState.set(p, { name: p, state: 'untested', detail: missingLibraryReason(p) });
    this.armIdleTimer();
  }

  configure(config: RuntimeConfig): void {
    this.config = config;
    for (const p of config.providers) if (!this.providerState.has(p)) this.providerState.set(p, { name: p, state: 'untested', detail: missingLibraryReason(p) });
    this.armIdleTimer();
  }

  /** Tries each provider on a tiny graph, so engine info can say what works before any model loads. */
  async probe(): Promise<ProviderState[]> {
    const tiny = buildPostprocessModel({ activation: 'none', normalize: 'none', resize: 'half_pixel' });
    for (const p of this.config.providers) {
      const known = this.providerState.get(p);
      if (known?.state !== 'untested') continue;
      try {
        const s = await ort.InferenceSession.create(tiny, sessionOptions(p, 1));
        await s.release();
        this.providerState.set(p, { name: p, state: 'available', detail: null });
      } catch (err) {
        this.providerState.set(p, { name: p, state: 'unavailable', detail: oneLine(err) });
      }
    }
    return this.providers();
  }

  providers(): ProviderState[] {
    return this.config.providers.map((p) => this.providerState.get(p)!);
  }

  async inspect(file: string): Promise<{ inputs: TensorInfo[]; outputs: TensorInfo[] }> {
    const session = await ort.InferenceSession.create(file, { ...sessionOptions('cpu', 1), graphOptimizationLevel: 'disabled' });
    try {
      return { inputs: session.inputMetadata.map(info), outputs: session.outputMetadata.map(info) };
    } finally {
      await session.release();
    }
  }

  async segment(ref: ModelRef, pixels: Uint8Array, width: number, height: number): Promise<SegmentOutput> {
    const e = await this.get(ref);
    e.busy++;
    e.lastUsedAt = Date.now();
    try {
      return await this.run(e, pixels, width, height);
    } finally {
      e.busy--;
      e.lastUsedAt = Date.now();
    }
  }

  private async run(e: Entry, pixels: Uint8Array, width: number, height: number): Promise<SegmentOutput> {
    if (pixels.length !== width * height * 3) throw new Error(`pixels hold ${pixels.length} bytes, expected ${width}×${height}×3`);
    const t0 = performance.now();
    // The wrapper graph resizes to the model's input with the model's own convention.
    const pre = await e.pre.run({ [PRE_INPUT]: new ort.Tensor('uint8', pixels, [1, height, width, 3]) });
    const out = await e.session.run({ [e.inputName]: pre[PRE_OUTPUT]! }, [e.outputName]);
    const prediction = out[e.outputName]!;
    // The mask comes back at the size of the pixels sent, resized with the model's convention.
    const size = prediction.dims.map((d, i, all) => BigInt(i === all.length - 2 ? height : i === all.length - 1 ? width : d));
    const post = await e.post.run({ [POST_INPUT]: prediction, [POST_SIZE]: new ort.Tensor('int64', BigInt64Array.from(size), [size.length]) });
    const inferenceMs = performance.now() - t0;
    const mask = post[POST_OUTPUT]!;
    const dims = mask.dims;
    const mh = dims[dims.length - 2]!;
    const mw = dims[dims.length - 1]!;
    e.runs++;
    // A copy that owns its buffer, so it can be transferred and onnxruntime's memory freed.
    const data = new Uint8Array(mask.data as Uint8Array);
    for (const t of [pre[PRE_OUTPUT], prediction, mask]) t?.dispose();
    return { mask: data, width: mw, height: mh, provider: e.provider, inferenceMs };
  }

  /**
   * Embeds `count` images: pixels are RGB uint8, count × height × width × 3, at the
   * model's input size. Returns one unit-length vector per image.
   */
  async embed(ref: EmbeddingModelRef, pixels: Uint8Array, count: number): Promise<EmbedOutput> {
    const [w, h] = ref.input.size;
    if (!Number.isInteger(count) || count < 1) throw new Error(`embed needs at least one image (got ${count})`);
    if (pixels.length !== count * w * h * 3) throw new Error(`pixels hold ${pixels.length} bytes, expected ${count}×${w}×${h}×3 for ${ref.id}`);
    const e = await this.getEmbedder(ref);
    e.busy++;
    e.lastUsedAt = Date.now();
    try {
      const t0 = performance.now();
      const vectors = new Float32Array(count * ref.dimension);
      for (let start = 0; start < count; start += e.maxBatch) {
        const n = Math.min(e.maxBatch, count - start);
        const input = embeddingInputTensor(pixels.subarray(start * w * h * 3, (start + n) * w * h * 3), n, ref.input);
        const out = await e.session.run({ [e.inputName]: input }, ref.outputs.map((o) => o.name));
        try {
          vectors.set(combineEmbeddingOutputs(ref, n, (name) => out[name]!), start * ref.dimension);
        } finally {
          input.dispose();
          for (const t of Object.values(out)) t.dispose();
        }
      }
      e.runs++;
      return { vectors, count, dimension: ref.dimension, provider: e.provider, inferenceMs: performance.now() - t0 };
    } finally {
      e.busy--;
      e.lastUsedAt = Date.now();
    }
  }

  private async getEmbedder(ref: EmbeddingModelRef): Promise<EmbedEntry> {
    const key = `embed:${ref.id}@${ref.sha256}`;
    const hit = this.entries.get(key);
    if (hit?.kind === 'embed') return hit;
    let pending = this.loadingEmbedders.get(key);
    if (!pending) {
      pending = this.loadEmbedder(key, ref).finally(() => this.loadingEmbedders.delete(key));
      this.loadingEmbedders.set(key, pending);
    }
    return pending;
  }

  private async loadEmbedder(key: string, ref: EmbeddingModelRef): Promise<EmbedEntry> {
    const { session, provider, approxBytes } = await this.openSession(ref);
    try {
      const inputName = ref.input.name ?? session.inputNames[0]!;
      if (!session.inputNames.includes(inputName)) throw new Error(`${ref.id} has no input named ${inputName} (it has ${session.inputNames.join(', ')})`);
      const missing = ref.outputs.filter((o) => !session.outputNames.includes(o.name)).map((o) => o.name);
      if (missing.length) throw new Error(`${ref.id} has no output named ${missing.join(', ')} (it has ${session.outputNames.join(', ')})`);
      // Some exports fix the batch dimension (often to 1): run them one image at a time.
      const meta = session.inputMetadata.find((m) => m.name === inputName);
      const batchDim = meta?.isTensor ? meta.shape[0] : undefined;
      const maxBatch = typeof batchDim === 'number' && batchDim > 0 ? Math.min(batchDim, EMBED_MAX_BATCH) : EMBED_MAX_BATCH;
      const now = Date.now();
      const entry: EmbedEntry = { kind: 'embed', ref, session, inputName, maxBatch, provider, approxBytes, loadedAt: now, lastUsedAt: now, runs: 0, busy: 0 };
      this.entries.set(key, entry);
      return entry;
    } catch (err) {
      await session.release().catch(() => {});
      throw new Error(`${MODEL_CORRUPT} ${ref.id} does not match its manifest: ${oneLine(err)}`);
    }
  }

  /** Verifies the file, makes room under the memory budget and opens it with the first provider that initialises. */
  private async openSession(ref: { id: string; path: string; sha256: string; bytes: number }): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider; approxBytes: number }> {
    await verifyModelFile(ref);
    const estimate = ref.bytes * 3;
    await this.makeRoom(estimate);
    const before = process.memoryUsage().rss;
    let lastError: unknown = null;
    for (const provider of this.config.providers) {
      const state = this.providerState.get(provider);
      if (state?.state === 'unavailable') continue;
      if (state?.detail && state.state === 'untested') {
        this.providerState.set(provider, { name: provider, state: 'unavailable', detail: state.detail });
        continue;
      }
      try {
        const session = await ort.InferenceSession.create(ref.path, sessionOptions(provider, this.config.intraOpThreads));
        this.providerState.set(provider, { name: provider, state: 'available', detail: null });
        return { session, provider, approxBytes: Math.max(estimate, process.memoryUsage().rss - before) };
      } catch (err) {
        lastError = err;
        if (provider === 'cpu') break; // the model itself is at fault, not a provider
        this.providerState.set(provider, { name: provider, state: 'unavailable', detail: oneLine(err) });
      }
    }
    throw new Error(`${MODEL_CORRUPT} ${ref.id} could not be loaded: ${oneLine(lastError)}`);
  }

  status(): InferenceStatus['sessions'] {
    return [...this.entries.values()].map((e) => ({
      modelId: e.ref.id,
      provider: e.provider,
      approxBytes: e.approxBytes,
      loadedAt: e.loadedAt,
      lastUsedAt: e.lastUsedAt,
      runs: e.runs,
    }));
  }

  async unload(modelId: string | null): Promise<number> {
    let count = 0;
    for (const [key, e] of [...this.entries]) {
      if (modelId && e.ref.id !== modelId) continue;
      if (e.busy > 0) continue;
      this.entries.delete(key);
      await release(e);
      count++;
    }
    return count;
  }

  private key(ref: ModelRef): string {
    return `${ref.id}@${ref.sha256}`;
  }

  private async get(ref: ModelRef): Promise<Entry> {
    const key = this.key(ref);
    const hit = this.entries.get(key);
    if (hit?.kind === 'segment') return hit;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(ref).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(ref: ModelRef): Promise<Entry> {
    await verifyModelFile(ref);
    // Weights expand when fp16 or quantised models are prepared for fp32 kernels; a
    // file-size multiple is a fair a-priori estimate, refined by the RSS change below.
    const estimate = ref.bytes * 3;
    await this.makeRoom(estimate);
    const before = process.memoryUsage().rss;
    let lastError: unknown = null;
    for (const provider of this.config.providers) {
      const state = this.providerState.get(provider);
      if (state?.state === 'unavailable') continue;
      if (state?.detail && state.state === 'untested') {
        // The libraries are not there: record it without paying for a failing session.
        this.providerState.set(provider, { name: provider, state: 'unavailable', detail: state.detail });
        continue;
      }
      try {
        const options = sessionOptions(provider, this.config.intraOpThreads);
        const session = await ort.InferenceSession.create(ref.path, options);
        this.providerState.set(provider, { name: provider, state: 'available', detail: null });
        const inputName = ref.input.name ?? session.inputNames[0]!;
        const outputName = ref.output.name ?? session.outputNames[0]!;
        if (!session.inputNames.includes(inputName)) throw new Error(`${ref.id} has no input named ${inputName} (it has ${session.inputNames.join(', ')})`);
        if (!session.outputNames.includes(outputName)) throw new Error(`${ref.id} has no output named ${outputName}`);
        const [w, h] = ref.input.size;
        const wrapperOptions = sessionOptions('cpu', this.config.intraOpThreads);
        const pre = await ort.InferenceSession.create(
          buildPreprocessModel({ width: w, height: h, resize: ref.input.resize, colorOrder: ref.input.colorOrder, mean: ref.input.mean, std: ref.input.std, layout: ref.input.layout }),
          wrapperOptions,
        );
        const post = await ort.InferenceSession.create(buildPostprocessModel({ ...ref.output, resize: ref.input.resize }), wrapperOptions);
        const now = Date.now();
        const entry: Entry = {
          kind: 'segment',
          ref,
          session,
          pre,
          post,
          inputName,
          outputName,
          provider,
          approxBytes: Math.max(estimate, process.memoryUsage().rss - before),
          loadedAt: now,
          lastUsedAt: now,
          runs: 0,
          busy: 0,
        };
        this.entries.set(this.key(ref), entry);
        return entry;
      } catch (err) {
        lastError = err;
        if (provider === 'cpu') break; // the model itself is at fault, not a provider
        this.providerState.set(provider, { name: provider, state: 'unavailable', detail: oneLine(err) });
      }
    }
    throw new Error(`${MODEL_CORRUPT} ${ref.id} could not be loaded: ${oneLine(lastError)}`);
  }

  private async makeRoom(needed: number): Promise<void> {
    const used = () => [...this.entries.values()].reduce((n, e) => n + e.approxBytes, 0);
    const byAge = [...this.entries.entries()].sort((a, b) => a[1].lastUsedAt - b[1].lastUsedAt);
    for (const [key, e] of byAge) {
      if (used() + needed <= this.config.memoryBudgetBytes) break;
      if (e.busy > 0) continue;
      this.entries.delete(key);
      await release(e);
    }
  }

  private armIdleTimer(): void {
    if (this.timer) clearInterval(this.timer);
    const every = Math.max(250, Math.floor(this.config.idleUnloadMs / 4));
    this.timer = setInterval(() => void this.unloadIdle(), every);
    this.timer.unref();
  }

  private async unloadIdle(): Promise<void> {
    const cutoff = Date.now() - this.config.idleUnloadMs;
    for (const [key, e] of [...this.entries]) {
      if (e.busy === 0 && e.lastUsedAt < cutoff) {
        this.entries.delete(key);
        await release(e);
      }
    }
  }
}

async function release(e: Entry | EmbedEntry): Promise<void> {
  await Promise.allSettled(e.kind === 'segment' ? [e.session.release(), e.pre.release(), e.post.release()] : [e.session.release()]);
}

/**
 * RGB uint8 pixels (n × h × w × 3) → the model's float input: colour order, (x − mean) / std,
 * layout. A plain loop: ~150k values per 224² image, far below the model's own cost.
 */
export function embeddingInputTensor(pixels: Uint8Array, n: number, input: EmbeddingModelRef['input']): ort.Tensor {
  const [w, h] = input.size;
  const plane = w * h;
  const data = new Float32Array(n * plane * 3);
  const order = input.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const scale = input.std.map((s) => 1 / s);
  for (let b = 0; b < n; b++) {
    const base = b * plane * 3;
    for (let c = 0; c < 3; c++) {
      const src = order[c]!;
      const mean = input.mean[c]!;
      const k = scale[c]!;
      if (input.layout === 'NCHW') {
        const dst = base + c * plane;
        for (let p = 0; p < plane; p++) data[dst + p] = (pixels[base + p * 3 + src]! - mean) * k;
      } else {
        for (let p = 0; p < plane; p++) data[base + p * 3 + c] = (pixels[base + p * 3 + src]! - mean) * k;
      }
    }
  }
  return new ort.Tensor('float32', data, input.layout === 'NCHW' ? [n, 3, h, w] : [n, h, w, 3]);
}

/** One output pooled to n × dimension. */
export function poolEmbeddingOutput(spec: EmbeddingOutputRef, data: Float32Array, dims: readonly number[], n: number): Float32Array {
  const d = spec.dimension;
  const out = new Float32Array(n * d);
  const shape = `[${dims.join(', ')}]`;
  if (dims[0] !== n) throw new Error(`output ${spec.name} has shape ${shape}, expected a batch of ${n}`);
  if (spec.pooling === 'none') {
    if (data.length !== n * d) throw new Error(`output ${spec.name} has shape ${shape}, expected ${n} × ${d}`);
    out.set(data);
    return out;
  }
  if (spec.pooling === 'cls' || spec.pooling === 'tokens') {
    const [, tokens, width] = dims as [number, number, number];
    if (dims.length !== 3 || width !== d || (spec.pooling === 'tokens' && tokens < 2)) throw new Error(`output ${spec.name} has shape ${shape}, expected [${n}, tokens, ${d}]`);
    for (let b = 0; b < n; b++) {
      const row = b * tokens * d;
      if (spec.pooling === 'cls') out.set(data.subarray(row, row + d), b * d);
      else {
        for (let t = 1; t < tokens; t++) for (let c = 0; c < d; c++) out[b * d + c]! += data[row + t * d + c]!;
        for (let c = 0; c < d; c++) out[b * d + c]! /= tokens - 1;
      }
    }
    return out;
  }
  if (dims.length !== 4) throw new Error(`output ${spec.name} has shape ${shape}; ${spec.pooling} pooling needs a rank-4 map`);
  const nchw = spec.layout === 'NCHW';
  const channels = nchw ? dims[1]! : dims[3]!;
  const area = nchw ? dims[2]! * dims[3]! : dims[1]! * dims[2]!;
  if (channels !== d) throw new Error(`output ${spec.name} has shape ${shape} (${spec.layout}), expected ${d} channels`);
  const p = spec.gemP ?? 3;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < d; c++) {
      let acc = spec.pooling === 'max' ? -Infinity : 0;
      for (let i = 0; i < area; i++) {
        const v = nchw ? data[(b * d + c) * area + i]! : data[(b * area + i) * d + c]!;
        if (spec.pooling === 'max') acc = Math.max(acc, v);
        else if (spec.pooling === 'gem') acc += Math.max(v, 1e-6) ** p;
        else acc += v;
      }
      out[b * d + c] = spec.pooling === 'max' ? acc : spec.pooling === 'gem' ? (acc / area) ** (1 / p) : acc / area;
    }
  }
  return out;
}

/** Pools, normalises, weights and concatenates a batch's outputs; every row leaves with unit length. */
export function combineEmbeddingOutputs(ref: EmbeddingModelRef, n: number, output: (name: string) => ort.Tensor): Float32Array {
  const D = ref.dimension;
  const vectors = new Float32Array(n * D);
  let offset = 0;
  for (const spec of ref.outputs) {
    const t = output(spec.name);
    if (t.type !== 'float32') throw new Error(`output ${spec.name} is ${t.type}, expected float32`);
    const pooled = poolEmbeddingOutput(spec, t.data as Float32Array, t.dims, n);
    for (let b = 0; b < n; b++) {
      const row = pooled.subarray(b * spec.dimension, (b + 1) * spec.dimension);
      const k = spec.weight / (spec.normalize ? norm(row, `${ref.id} output ${spec.name}`) : 1);
      for (let c = 0; c < spec.dimension; c++) vectors[b * D + offset + c] = row[c]! * k;
    }
    offset += spec.dimension;
  }
  if (offset !== D) throw new Error(`${ref.id}: outputs add up to ${offset} values, the manifest says ${D}`);
  for (let b = 0; b < n; b++) {
    const row = vectors.subarray(b * D, (b + 1) * D);
    const k = 1 / norm(row, ref.id);
    for (let c = 0; c < D; c++) row[c]! *= k;
  }
  return vectors;
}

/** L2 norm, refusing zero and non-finite vectors: a zero embedding would silently match nothing (or everything). */
function norm(v: Float32Array, what: string): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (!(s > 0) || !Number.isFinite(s)) throw new Error(`${what} produced a ${Number.isFinite(s) ? 'zero' : 'non-finite'} vector`);
  return Math.sqrt(s);
}

/** The file must be there and be what the library recorded: a clear error beats a garbage mask. */
export async function verifyModelFile(ref: Pick<ModelRef, 'id' | 'path' | 'sha256' | 'bytes'>): Promise<void> {
  let size: number;
  try {
    size = (await fs.stat(ref.path)).size;
  } catch {
    throw new Error(`${MODEL_MISSING} the file of model ${ref.id} is missing from the library; install it again from the Models page`);
  }
  if (size !== ref.bytes) throw new Error(`${MODEL_CORRUPT} the file of model ${ref.id} has ${size} bytes, expected ${ref.bytes}; install it again from the Models page`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(ref.path, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  const got = hash.digest('hex');
  if (got !== ref.sha256) throw new Error(`${MODEL_CORRUPT} the file of model ${ref.id} is damaged (sha256 ${got.slice(0, 12)}…, expected ${ref.sha256.slice(0, 12)}…); install it again from the Models page`);
}

function info(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!m.isTensor) return { name: m.name, type: null, shape: null };
  return { name: m.name, type: m.type, shape: [...m.shape] };
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 500);
}
