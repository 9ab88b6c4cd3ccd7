import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider, InferenceStatus, ProviderState } from '../../../src-shared/contract/index.js';
import { buildPostprocessModel, buildPreprocessModel, POST_INPUT, POST_OUTPUT, POST_SIZE, PRE_INPUT, PRE_OUTPUT } from './onnx-graph.js';
import { MODEL_CORRUPT, MODEL_MISSING, type ModelRef, type RuntimeConfig, type SegmentOutput, type TensorInfo } from './protocol.js';
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

/**
 * Loaded models with their wrapper graphs, for one worker thread. Chooses the provider
 * (first that initialises), keeps sessions under a memory budget (least recently used
 * leaves first) and unloads idle ones.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
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
    if (hit) return hit;
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

async function release(e: Entry): Promise<void> {
  await Promise.allSettled([e.session.release(), e.pre.release(), e.post.release()]);
}

/** The file must be there and be what the library recorded: a clear error beats a garbage mask. */
export async function verifyModelFile(ref: ModelRef): Promise<void> {
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
