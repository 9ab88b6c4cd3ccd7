import type { ExecutionProvider, InferenceStatus, ProviderState } from '../../../src-shared/contract/index.js';
import type { InputSpec, OutputSpec } from './model-spec.js';

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
  | { type: 'embed'; model: EmbeddingModelRef; pixels: Uint8Array; count: number }
  | { type: 'unload'; modelId: string | null }
  | { type: 'status' };

/**
 * An image-embedding model as the inference worker runs it. Its manifest schema lives with
 * the embeddings feature (src-main/features/embeddings/embedder-spec.ts), which maps to this.
 */
export interface EmbeddingModelRef {
  id: string;
  path: string;
  sha256: string;
  bytes: number;
  /** Pixels arrive as RGB uint8 at exactly `size` (the caller resizes, see the feature's image preparation). */
  input: {
    name: string | null;
    size: [number, number];
    layout: 'NCHW' | 'NHWC';
    colorOrder: 'RGB' | 'BGR';
    /** In 0–255 pixel units, in the model's colour order: x' = (x − mean) / std. */
    mean: [number, number, number];
    std: [number, number, number];
  };
  /** Pooled, optionally L2-normalised and weighted, concatenated in order; the whole vector is then L2-normalised. */
  outputs: EmbeddingOutputRef[];
  dimension: number;
}

export interface EmbeddingOutputRef {
  name: string;
  /** none: [N, D]; mean / max / gem: spatial axes of a rank-4 map; cls: token 0 of [N, T, D]; tokens: mean of tokens 1…. */
  pooling: 'none' | 'mean' | 'max' | 'gem' | 'cls' | 'tokens';
  gemP: number | null;
  layout: 'NCHW' | 'NHWC';
  normalize: boolean;
  weight: number;
  dimension: number;
}

export interface EmbedOutput {
  /** count × dimension, row-major; every row has unit L2 norm. */
  vectors: Float32Array;
  count: number;
  dimension: number;
  provider: ExecutionProvider;
  inferenceMs: number;
}

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
  | ({ type: 'embed' } & EmbedOutput)
  | { type: 'unloaded'; count: number }
  | { type: 'status'; sessions: InferenceStatus['sessions'] };

/** Failures the engine reacts to (mark a model missing or corrupt and offer to provision it again). */
export const MODEL_MISSING = 'MODEL_MISSING:';
export const MODEL_CORRUPT = 'MODEL_CORRUPT:';
