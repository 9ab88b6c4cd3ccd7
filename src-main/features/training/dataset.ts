/**
 * What the trainer eats: frozen embedder features as plain typed arrays (row-major,
 * `count × dimension`), so any embedder (the offline default, a downloaded one, a stand-in
 * in benches) drops in, and the arrays cross to a worker thread without conversion.
 */
import type { TrainingTail } from './tail.js';

export const DOMAIN = { real: 0, synthetic: 1 } as const;
export type DomainName = keyof typeof DOMAIN;

export interface LabelledFeatures {
  dimension: number;
  features: Float32Array;
  /** Class index per row, 0 … classNames.length − 1. */
  labels: Int32Array;
  /** DOMAIN.real (approved photos) or DOMAIN.synthetic (frames, renders, augmentations) per row. */
  domains: Uint8Array;
}

export interface TrainingData {
  classNames: string[];
  /** Rows the head is trained on. */
  train: LabelledFeatures;
  /** Held-out rows: their `real` rows are the evaluation's queries. */
  valid: LabelledFeatures;
  /**
   * The evaluation's gallery; defaults to the train rows. Separate so an experiment can
   * train on less (say synthetic frames only) and still be measured against the same gallery.
   */
  gallery?: LabelledFeatures;
  /** With backbone fine-tuning: the backbone's last layer and each row's input to it (tail.ts). */
  tail?: TrainingTail;
}

export function rowCount(set: LabelledFeatures): number {
  return set.labels.length;
}

export function row(set: LabelledFeatures, i: number): Float32Array {
  return set.features.subarray(i * set.dimension, (i + 1) * set.dimension);
}

/** Rows `indices` of a set, copied into a new set. */
export function selectRows(set: LabelledFeatures, indices: readonly number[]): LabelledFeatures {
  const features = new Float32Array(indices.length * set.dimension);
  indices.forEach((r, i) => features.set(row(set, r), i * set.dimension));
  return {
    dimension: set.dimension,
    features,
    labels: Int32Array.from(indices, (r) => set.labels[r]!),
    domains: Uint8Array.from(indices, (r) => set.domains[r]!),
  };
}

/** Throws a clear error for inconsistent or unusable data, before any training starts. */
export function checkTrainingData(data: TrainingData): void {
  const classes = data.classNames.length;
  if (classes < 2) throw new Error(`training needs at least 2 classes, got ${classes}`);
  const sets: [string, LabelledFeatures | undefined][] = [
    ['train', data.train],
    ['valid', data.valid],
    ['gallery', data.gallery],
  ];
  const dimension = data.train.dimension;
  for (const [name, set] of sets) {
    if (!set) continue;
    const n = rowCount(set);
    if (set.dimension !== dimension) throw new Error(`${name}: dimension ${set.dimension} differs from train's ${dimension}`);
    if (!(Number.isInteger(dimension) && dimension > 0)) throw new Error(`${name}: bad dimension ${dimension}`);
    if (set.features.length !== n * dimension) throw new Error(`${name}: ${set.features.length} feature values for ${n} rows × ${dimension}`);
    if (set.domains.length !== n) throw new Error(`${name}: ${set.domains.length} domains for ${n} rows`);
    for (let i = 0; i < n; i++) {
      const label = set.labels[i]!;
      if (label < 0 || label >= classes) throw new Error(`${name}: row ${i} has label ${label}, outside 0…${classes - 1}`);
      const domain = set.domains[i]!;
      if (domain !== DOMAIN.real && domain !== DOMAIN.synthetic) throw new Error(`${name}: row ${i} has unknown domain ${domain}`);
    }
    for (let i = 0; i < set.features.length; i++) {
      if (!Number.isFinite(set.features[i]!)) throw new Error(`${name}: feature value ${i} is not finite`);
    }
  }
  const present = new Set(data.train.labels);
  if (present.size < 2) throw new Error(`train rows cover ${present.size} class(es); at least 2 are needed`);
}
