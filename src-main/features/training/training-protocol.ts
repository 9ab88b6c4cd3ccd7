import type { TrainingConfigInput } from './config.js';
import type { TrainingData } from './dataset.js';
import type { TrainingResult } from './trainer.js';
import type { TrainingViewName } from './views.js';

/**
 * Backbone fine-tuning's inputs (config.backbone.fineTune): the images whose backbone maps
 * the worker computes before training (each distinct image and view once), which map each
 * row of each set uses, and the sets to recompute through the trained layer afterwards
 * (the test split's, for the figures at the end).
 */
export interface TailRequest {
  /** The built-in embedder the run trains on (embeddings' offline-tail.ts). */
  embedderId: string;
  /** How many of its last layers are trained (config.backbone.layers). */
  layers: number;
  /** Each image (and view) once; its sha256 names its map in the cache (an image without one is not cached). */
  images: { path: string; sha256?: string; view: TrainingViewName | null }[];
  /** Where maps are kept between runs (embeddings' TailMapCache), the most it may hold, and the free disk space it leaves. */
  cache?: { root: string; capBytes: number; minFreeBytes?: number };
  index: { train: Int32Array; valid: Int32Array; gallery?: Int32Array };
  extra: { name: string; dimension: number; features: Float32Array; index: Int32Array }[];
}

/** What the engine posts to the training worker thread. */
export interface TrainingWorkerRequest {
  data: TrainingData;
  config?: TrainingConfigInput;
  resumeFrom?: Uint8Array;
  tail?: TailRequest;
  /** Int32 flag in shared memory: the engine sets it to 1 to cancel; the trainer reads it between steps. */
  cancelFlag: SharedArrayBuffer;
}

export interface TrainingWorkerResult extends TrainingResult {
  /** TailRequest.extra's sets through the trained layer, by name (empty without fine-tuning or when not completed). */
  tailed: Record<string, Float32Array>;
  /** The embedder with the fine-tuned layer (a completed fine-tuning run), ready to store and serve. */
  backboneOnnx: Uint8Array | null;
}
