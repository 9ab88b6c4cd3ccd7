/**
 * Checkpoints as one self-describing Buffer the caller stores (a blob, a file): a JSON
 * header (config, epoch, step, RNG states, history, the rest of the epoch's batch plan)
 * followed by the raw float32 arrays (weights, AdamW moments, EMA weights). Resuming from
 * one reproduces the uninterrupted run exactly.
 */
import { createHash } from 'node:crypto';
import type { TrainingConfig } from './config.js';
import type { LabelledFeatures } from './dataset.js';
import type { RngState } from './rng.js';
import type { EpochRecord, MonitorState } from './monitors.js';

const MAGIC = Buffer.from('ATLYCKPT');
const VERSION = 1;

/** Sums over the steps already run in a checkpoint's epoch, so its record comes out whole. */
export interface PartialEpoch {
  lossSum: number;
  gradNormSum: number;
  steps: number;
  seconds: number;
}

export interface CheckpointState {
  config: TrainingConfig;
  /** Identifies the training rows, so a checkpoint is never resumed on other data. */
  dataFingerprint: string;
  classCount: number;
  /** The epoch to run next, and the step within it (0 at an epoch boundary). */
  epoch: number;
  step: number;
  optimizerStep: number;
  rng: { sampler: RngState; dropout: RngState };
  history: EpochRecord[];
  monitor: MonitorState;
  /** Set on a mid-epoch checkpoint: the epoch's batches (all of them) and its learning rate. */
  plan: Int32Array[] | null;
  weights: Map<string, Float32Array>;
  adamM: Map<string, Float32Array>;
  adamV: Map<string, Float32Array>;
  ema: Map<string, Float32Array>;
  shapes: Record<string, number[]>;
  partial: PartialEpoch;
  /** Why the run stopped, when this is an emergency checkpoint. */
  emergency: string | null;
}

interface ArrayEntry {
  group: 'weights' | 'adamM' | 'adamV' | 'ema' | 'plan';
  name: string;
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

type Header = Omit<CheckpointState, 'weights' | 'adamM' | 'adamV' | 'ema' | 'plan'> & { format: 'atolye-training-checkpoint'; version: number; arrays: ArrayEntry[]; planBatches: number | null };

/**
 * What a checkpoint was made on: the train rows, and the valid rows and gallery its epochs
 * were measured with. A resume on other valid products would mix two tasks' recall in one
 * chart, so any of them changing means training again from epoch 1.
 */
export function fingerprintTrainingData(data: { train: LabelledFeatures; valid: LabelledFeatures; gallery?: LabelledFeatures }): string {
  const parts = [data.train, data.valid, ...(data.gallery ? [data.gallery] : [])].map(fingerprintData);
  return createHash('sha256').update(parts.join(':')).digest('hex');
}

function fingerprintData(set: LabelledFeatures): string {
  const h = createHash('sha256');
  h.update(`${set.dimension}:${set.labels.length}:`);
  for (const a of [set.labels, set.domains, set.features]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

export function encodeCheckpoint(state: CheckpointState): Buffer {
  const arrays: ArrayEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = (group: ArrayEntry['group'], name: string, a: Float32Array | Int32Array) => {
    arrays.push({ group, name, dtype: a instanceof Float32Array ? 'float32' : 'int32', offset, length: a.length });
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    offset += a.byteLength;
  };
  for (const group of ['weights', 'adamM', 'adamV', 'ema'] as const) for (const [name, a] of state[group]) add(group, name, a);
  state.plan?.forEach((b, i) => add('plan', String(i), b));
  const { weights: _w, adamM: _m, adamV: _v, ema: _e, plan, ...rest } = state;
  const header: Header = { format: 'atolye-training-checkpoint', version: VERSION, ...rest, arrays, planBatches: plan ? plan.length : null };
  const json = Buffer.from(JSON.stringify(header));
  const pad = (4 - ((MAGIC.length + 8 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(MAGIC.length + 8);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(VERSION, MAGIC.length);
  prefix.writeUInt32LE(json.length + pad, MAGIC.length + 4);
  return Buffer.concat([prefix, json, Buffer.alloc(pad, 0x20), ...chunks]);
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 8 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an Atölye training checkpoint');
  const version = buf.readUInt32LE(MAGIC.length);
  if (version !== VERSION) throw new Error(`checkpoint version ${version} is not supported (expected ${VERSION})`);
  const headerLength = buf.readUInt32LE(MAGIC.length + 4);
  const dataStart = MAGIC.length + 8 + headerLength;
  if (dataStart > buf.length) throw new Error('checkpoint is truncated (header)');
  const header = JSON.parse(buf.subarray(MAGIC.length + 8, dataStart).toString('utf8')) as Header;
  // A copy with its own, aligned buffer, so the arrays outlive `bytes` and need no alignment luck.
  const data = new Uint8Array(buf.subarray(dataStart));
  const groups = { weights: new Map<string, Float32Array>(), adamM: new Map<string, Float32Array>(), adamV: new Map<string, Float32Array>(), ema: new Map<string, Float32Array>() };
  const plan: Int32Array[] = [];
  for (const e of header.arrays) {
    if (e.offset + e.length * 4 > data.length) throw new Error(`checkpoint is truncated (${e.group}/${e.name})`);
    if (e.group === 'plan') plan[Number(e.name)] = new Int32Array(data.buffer, e.offset, e.length);
    else groups[e.group].set(e.name, new Float32Array(data.buffer, e.offset, e.length));
  }
  const { format: _f, version: _v, arrays: _a, planBatches, ...rest } = header;
  return { ...rest, ...groups, plan: planBatches === null ? null : plan };
}

/** Why these bytes cannot be resumed from (not a checkpoint, another version, cut short), or null when they decode. */
export function checkpointProblem(bytes: Uint8Array): string | null {
  try {
    decodeCheckpoint(bytes);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
