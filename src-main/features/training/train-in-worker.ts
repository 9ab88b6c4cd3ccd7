/**
 * The engine-side handle: trains in a worker thread of its own (WorkerPool of one),
 * forwards the worker's events, and turns an AbortSignal into the shared-memory flag the
 * trainer checks between steps, so a cancel stops mid-epoch with a resumable checkpoint.
 */
import path from 'node:path';
import { WorkerPool } from '../../engine/workers/pool.js';
import type { TrainingConfigInput } from './config.js';
import type { TrainingData } from './dataset.js';
import type { TailRequest, TrainingWorkerRequest, TrainingWorkerResult } from './training-protocol.js';
import type { TrainingEvent } from './trainer.js';

export interface TrainInWorkerOptions {
  config?: TrainingConfigInput;
  resumeFrom?: Uint8Array;
  signal?: AbortSignal;
  /** Terminates the worker at once (the queue's stopSignal: the grace after a cancel or shutdown is over). */
  kill?: AbortSignal;
  onEvent?: (event: TrainingEvent) => void;
  /** Backbone fine-tuning's images and row indices (config.backbone.fineTune). */
  tail?: TailRequest;
}

export async function trainInWorker(data: TrainingData, opts: TrainInWorkerOptions = {}): Promise<TrainingWorkerResult> {
  const ext = path.extname(new URL(import.meta.url).pathname);
  const pool = new WorkerPool<TrainingWorkerRequest, TrainingWorkerResult, TrainingEvent>(new URL(`./training-worker${ext}`, import.meta.url), { size: 1, name: 'training' });
  const cancelFlag = new SharedArrayBuffer(4);
  const cancel = () => Atomics.store(new Int32Array(cancelFlag), 0, 1);
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await pool.run({ data, config: opts.config, resumeFrom: opts.resumeFrom, tail: opts.tail, cancelFlag }, { onProgress: opts.onEvent, kill: opts.kill });
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    await pool.close();
  }
}
