/**
 * The engine itself (core): its version and where it runs, and the inference runtime's
 * execution providers and loaded sessions.
 */
import { z } from 'zod';
import { defineSlice, method } from './define.js';
import { Empty } from './schemas.js';

export const ExecutionProvider = z.enum(['cuda', 'dml', 'coreml', 'cpu']);
export type ExecutionProvider = z.infer<typeof ExecutionProvider>;

export const EngineInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  cpus: z.number().int().positive(),
  /** Providers that can run models here, best first (CUDA only when its libraries load). */
  executionProviders: z.array(ExecutionProvider),
  /** The provider the last model run actually used; null before any. */
  activeProvider: ExecutionProvider.nullable().optional(),
  /** Facts features add about themselves (the videos feature: which ffmpeg, and its version). */
  features: z.array(z.object({ feature: z.string(), label: z.string(), value: z.string() })).optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const ProviderState = z.object({
  name: ExecutionProvider,
  /** available: a session initialised on it; unavailable: it failed (detail says why); untested: not tried yet. */
  state: z.enum(['available', 'unavailable', 'untested']),
  detail: z.string().nullable(),
});
export type ProviderState = z.infer<typeof ProviderState>;

export const InferenceStatus = z.object({
  /** Best first, in the order sessions try them. */
  providers: z.array(ProviderState),
  intraOpThreads: z.number().int().positive(),
  memoryBudgetBytes: z.number().int().positive(),
  idleUnloadMs: z.number().int().positive(),
  sessions: z.array(
    z.object({
      modelId: z.string(),
      provider: ExecutionProvider,
      approxBytes: z.number().int().nonnegative(),
      loadedAt: z.number().int(),
      lastUsedAt: z.number().int(),
      runs: z.number().int().nonnegative(),
    }),
  ),
});
export type InferenceStatus = z.infer<typeof InferenceStatus>;

export const engineContract = defineSlice({
  methods: {
    'engine.info': method(Empty, EngineInfo, 'Engine version, data directory and execution providers'),
    'inference.status': method(Empty, InferenceStatus, 'Execution providers (probed), threads, memory budget and loaded sessions'),
  },
});
