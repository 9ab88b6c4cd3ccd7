/**
 * How long a run would take on this machine: training rows × epochs × the seconds one
 * row-epoch took in the last run here, plus the images whose backbone features are not
 * cached × the seconds per embedded image. Before any run, documented constants stand in
 * (basis 'constant'); a finished run replaces them with what it measured ('measured').
 */
import type { TrainingSplitCounts } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import { cachedStatement } from '../../engine/db/statements.js';

/**
 * Seconds per training row per epoch, evaluation included: 4.7 s/epoch over 2,721 train +
 * gallery rows, bench:train on the 2-core development machine, 2026-12-01 01:23–01:34 UTC
 * (docs/benchmarks.md, "Training (recognizer head)"). A constant, not a measurement of this machine.
 */
export const CONSTANT_SECONDS_PER_ROW_EPOCH = 4.7 / 2721;

/**
 * Seconds per row-epoch when the backbone's last layer is fine-tuned too: 80.0 s/epoch
 * over 2,721 rows on the 320 px built-in, bench:fine-tune on the 2-core development
 * machine, 2026-12-01 19:45–20:05 UTC (docs/benchmarks.md, "Training", session 11). A constant.
 */
export const CONSTANT_SECONDS_PER_FINE_TUNED_ROW_EPOCH = 80.0 / 2721;

/**
 * Seconds per image embedded by the offline default through the engine end to end:
 * 133.6 ms/image, same machine (docs/benchmarks.md, "Embeddings"). A constant.
 */
export const CONSTANT_SECONDS_PER_EMBEDDED_IMAGE = 0.1336;

/**
 * `embeddedImage`: the last rate of any backbone; `embeddedImageBy(id)`: that backbone's
 * own (backbones differ: the 320 px built-in takes ~1.6× the default's time per image).
 */
export const THROUGHPUT_KEYS = {
  rowEpoch: 'seconds_per_row_epoch',
  /** A row-epoch with the backbone's last layer fine-tuned (its maps through the layer, forward and back). */
  rowEpochFineTuned: 'seconds_per_row_epoch:fine-tuned',
  embeddedImage: 'seconds_per_embedded_image',
  embeddedImageBy: (backboneId: string) => `seconds_per_embedded_image:${backboneId}`,
} as const;
type ThroughputKey = string;

export interface Throughput {
  secondsPerRowEpoch: number;
  secondsPerEmbeddedImage: number;
  basis: 'measured' | 'constant';
}

/**
 * The last measured rates; constants where none was measured yet (basis 'measured' only
 * when both were). The embedding rate is the backbone's own when it has one, else the
 * last of any backbone.
 */
export function readThroughput(db: Db, backboneId?: string, opts: { fineTune?: boolean } = {}): Throughput {
  const read = (key: ThroughputKey) => (cachedStatement(db, `SELECT value FROM training_throughput WHERE key = ?`, 'pluck').get(key) as number | undefined) ?? null;
  const rowEpoch = read(opts.fineTune ? THROUGHPUT_KEYS.rowEpochFineTuned : THROUGHPUT_KEYS.rowEpoch);
  const embedded = (backboneId ? read(THROUGHPUT_KEYS.embeddedImageBy(backboneId)) : null) ?? read(THROUGHPUT_KEYS.embeddedImage);
  return {
    secondsPerRowEpoch: rowEpoch ?? (opts.fineTune ? CONSTANT_SECONDS_PER_FINE_TUNED_ROW_EPOCH : CONSTANT_SECONDS_PER_ROW_EPOCH),
    secondsPerEmbeddedImage: embedded ?? CONSTANT_SECONDS_PER_EMBEDDED_IMAGE,
    basis: rowEpoch !== null && embedded !== null ? 'measured' : 'constant',
  };
}

/** Stores a rate a run measured (ignores a non-finite or non-positive one: a cancelled run's zero-epoch mean). */
export function recordThroughput(db: Db, key: ThroughputKey, seconds: number, now: number): void {
  if (!(Number.isFinite(seconds) && seconds > 0)) return;
  cachedStatement(db, `INSERT INTO training_throughput (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(key, seconds, now);
}

/** Rows one epoch trains on: every train image, once more per training view. */
export function trainRowsPerEpoch(counts: TrainingSplitCounts, viewCount: number): number {
  return (counts.images.train.real + counts.images.train.synthetic) * (1 + viewCount);
}

export function estimateSeconds(opts: { trainRows: number; epochs: number; imagesToEmbed: number; throughput: Throughput }): { seconds: number; secondsPerEpoch: number; embeddingSeconds: number } {
  const secondsPerEpoch = opts.trainRows * opts.throughput.secondsPerRowEpoch;
  const embeddingSeconds = opts.imagesToEmbed * opts.throughput.secondsPerEmbeddedImage;
  return { seconds: secondsPerEpoch * opts.epochs + embeddingSeconds, secondsPerEpoch, embeddingSeconds };
}
