import type { ExecutionProvider, InferenceStatus, ProviderState } from '../../../src-shared/contract/index.js';
import type { InputSpec, OutputSpec } from '../models/manifest.js';

/** What the inference worker needs to load a model: never a manifest lookup on its side. */
export interface ModelRef {
  id: string;
  path: string;
  sha256: string;
  bytes: number;
  input: InputSpec;
  output: OutputSpec;
}

export interface TensorInfo {
  name: string;
  type: string | null;
  shape: (number | string)[] | null;
}

export interface RuntimeConfig {
  providers: ExecutionProvider[];
  intraOpThreads: number;
  memoryBudgetBytes: number;
  idleUnloadMs: number;
}

export type InferenceRequest =
  | { type: 'configure'; config: RuntimeConfig }
  | { type: 'probe' }
  | { type: 'inspect'; path: string }
  | { type: 'segment'; model: ModelRef; pixels: Uint8Array; width: number; height: number }
  | { type: 'unload'; modelId: string | null }
  | { type: 'status' };

export interface SegmentOutput {
  mask: Uint8Array;
  width: number;
  height: number;
  provider: ExecutionProvider;
  inferenceMs: number;
}

export type InferenceResponse =
  | { type: 'configured' }
  | { type: 'probe'; providers: ProviderState[] }
  | { type: 'inspect'; inputs: TensorInfo[]; outputs: TensorInfo[] }
  | ({ type: 'segment' } & SegmentOutput)
  | { type: 'unloaded'; count: number }
  | { type: 'status'; sessions: InferenceStatus['sessions'] };

/** Failures the engine reacts to (mark a model missing or corrupt and offer to provision it again). */
export const MODEL_MISSING = 'MODEL_MISSING:';
export const MODEL_CORRUPT = 'MODEL_CORRUPT:';
