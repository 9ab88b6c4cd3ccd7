import os from 'node:os';
import path from 'node:path';
import type { ExecutionProvider, InferenceStatus, ProviderState } from '../../../src-shared/contract/index.js';
import { WorkerPool } from '../workers/pool.js';
import {
  MODEL_CORRUPT,
  MODEL_MISSING,
  type EmbeddingModelRef,
  type EmbedOutput,
  type InferenceRequest,
  type InferenceResponse,
  type ModelRef,
  type RuntimeConfig,
  type SegmentOutput,
  type TensorInfo,
} from './protocol.js';
import { candidateProviders, missingLibraryReason, providersFromEnv } from './providers.js';

export interface InferenceOptions {
  /** Providers to try, best first; default CUDA → DirectML/CoreML → CPU, or ATOLYE_EP. */
  providers?: ExecutionProvider[];
  intraOpThreads?: number;
  memoryBudgetBytes?: number;
  idleUnloadMs?: number;
}

/**
 * How long close() waits for the worker to release its sessions: the unload waits behind a
 * run in flight (a model loading and running when the app quits), which took over 3 s on a
 * loaded 2-core machine (CI, 2026-12-01), and a worker terminated while it holds sessions
 * aborts the process. A longer wait at quit is the lesser harm.
 */
const CLOSE_UNLOAD_MS = 20_000;

/** A model failure the caller can act on (offer to provision the model again). */
export class ModelFileError extends Error {
  constructor(
    readonly kind: 'missing' | 'corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export function defaultRuntimeConfig(options: InferenceOptions = {}): RuntimeConfig {
  return {
    providers: options.providers ?? providersFromEnv(process.env.ATOLYE_EP) ?? candidateProviders(),
    // Every core: the preprocessing and encoding that run beside inference are short
    // libvips bursts, and the benchmark shows fewer threads lose more than they free.
    intraOpThreads: options.intraOpThreads ?? Math.max(1, os.availableParallelism()),
    memoryBudgetBytes: options.memoryBudgetBytes ?? Math.min(4 * 1024 ** 3, Math.floor(os.totalmem() / 4)),
    idleUnloadMs: options.idleUnloadMs ?? 5 * 60_000,
  };
}

/**
 * The engine's handle on inference: one long-lived worker thread holding the session
 * cache. Requests queue there one at a time (one model run uses every core already).
 */
export class InferenceRuntime {
  private readonly worker: WorkerPool<InferenceRequest, InferenceResponse>;
  private probed: ProviderState[] | null = null;
  private lastProvider: ExecutionProvider | null = null;
  readonly config: RuntimeConfig;

  constructor(options: InferenceOptions = {}) {
    this.config = defaultRuntimeConfig(options);
    const ext = path.extname(new URL(import.meta.url).pathname);
    this.worker = new WorkerPool(new URL(`./inference-worker${ext}`, import.meta.url), { size: 1, name: 'inference', workerData: { config: this.config } });
  }

  /**
   * Providers as known now, without starting the worker: probed or used states when
   * there are some, otherwise what the installed libraries allow.
   */
  knownProviders(): ProviderState[] {
    if (this.probed) return this.probed;
    return this.config.providers.map((name) => {
      const missing = missingLibraryReason(name);
      return { name, state: missing ? 'unavailable' : 'untested', detail: missing };
    });
  }

  /** Providers that can be used here, best first (engine info). */
  usableProviders(): ExecutionProvider[] {
    return this.knownProviders()
      .filter((p) => p.state !== 'unavailable')
      .map((p) => p.name);
  }

  /** The provider the last model run used. */
  get provider(): ExecutionProvider | null {
    return this.lastProvider;
  }

  async probe(): Promise<ProviderState[]> {
    const res = await this.call({ type: 'probe' });
    if (res.type !== 'probe') throw new Error('unexpected answer from the inference worker');
    this.probed = res.providers;
    return res.providers;
  }

  async status(): Promise<InferenceStatus> {
    const providers = await this.probe();
    const res = await this.call({ type: 'status' });
    if (res.type !== 'status') throw new Error('unexpected answer from the inference worker');
    return {
      providers,
      intraOpThreads: this.config.intraOpThreads,
      memoryBudgetBytes: this.config.memoryBudgetBytes,
      idleUnloadMs: this.config.idleUnloadMs,
      sessions: res.sessions,
    };
  }

  async inspect(file: string): Promise<{ inputs: TensorInfo[]; outputs: TensorInfo[] }> {
    const res = await this.call({ type: 'inspect', path: file });
    if (res.type !== 'inspect') throw new Error('unexpected answer from the inference worker');
    return res;
  }

  /** pixels: RGB, width×height×3, any size (resized to the model's input in its wrapper graph). The buffer is transferred. */
  async segment(model: ModelRef, pixels: Uint8Array, width: number, height: number, signal?: AbortSignal): Promise<SegmentOutput> {
    const res = await this.call({ type: 'segment', model, pixels, width, height }, [pixels.buffer as ArrayBuffer], signal);
    if (res.type !== 'segment') throw new Error('unexpected answer from the inference worker');
    this.lastProvider = res.provider;
    if (this.probed) {
      const used = this.probed.find((p) => p.name === res.provider);
      if (used) used.state = 'available';
    }
    return res;
  }

  /**
   * Embeds `count` images in one request (batched inside the worker): pixels are RGB uint8,
   * count × h × w × 3 at the model's input size. The buffer is transferred.
   */
  async embed(model: EmbeddingModelRef, pixels: Uint8Array, count: number, signal?: AbortSignal): Promise<EmbedOutput> {
    const res = await this.call({ type: 'embed', model, pixels, count }, [pixels.buffer as ArrayBuffer], signal);
    if (res.type !== 'embed') throw new Error('unexpected answer from the inference worker');
    this.lastProvider = res.provider;
    return res;
  }

  async unload(modelId: string | null = null): Promise<number> {
    const res = await this.call({ type: 'unload', modelId });
    return res.type === 'unloaded' ? res.count : 0;
  }

  /**
   * Releases every session inside the worker before the worker goes: a worker terminated
   * while it still holds onnxruntime sessions aborts the whole process as its add-on is
   * torn down ("terminate called after throwing an instance of 'Napi::Error'"). Bounded:
   * a worker stuck in a run is terminated anyway.
   */
  async close(): Promise<void> {
    if (this.worker.started) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.unload(null).catch(() => 0), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_UNLOAD_MS)))]);
      clearTimeout(timer);
    }
    return this.worker.close();
  }

  private async call(request: InferenceRequest, transfer?: ArrayBuffer[], signal?: AbortSignal): Promise<InferenceResponse> {
    try {
      return await this.worker.run(request, { transfer, signal });
    } catch (err) {
      const message = (err as Error).message;
      if (message.startsWith(MODEL_MISSING)) throw new ModelFileError('missing', message.slice(MODEL_MISSING.length).trim());
      if (message.startsWith(MODEL_CORRUPT)) throw new ModelFileError('corrupt', message.slice(MODEL_CORRUPT.length).trim());
      throw err;
    }
  }
}
