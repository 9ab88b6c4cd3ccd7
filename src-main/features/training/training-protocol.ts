import type { TrainingConfigInput } from './config.js';
import type { TrainingData } from './dataset.js';

/** What the engine posts to the training worker thread. */
export interface TrainingWorkerRequest {
  data: TrainingData;
  config?: TrainingConfigInput;
  resumeFrom?: Uint8Array;
  /** Int32 flag in shared memory: the engine sets it to 1 to cancel; the trainer reads it between steps. */
  cancelFlag: SharedArrayBuffer;
}
