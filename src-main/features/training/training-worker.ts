/**
 * The training thread: runs trainHead off the engine's event loop and reports every
 * TrainingEvent (steps, epochs, checkpoints, plateau/divergence) as progress messages,
 * then the TrainingResult. Cancellation arrives through shared memory because the
 * training loop never waits for messages.
 */
import { serveWorker } from '../../engine/workers/serve-worker.js';
import type { TrainingWorkerRequest } from './training-protocol.js';
import { trainHead, type TrainingEvent, type TrainingResult } from './trainer.js';

serveWorker<TrainingWorkerRequest, TrainingResult, TrainingEvent>(async (req, progress) => {
  const flag = new Int32Array(req.cancelFlag);
  return trainHead(req.data, {
    config: req.config,
    resumeFrom: req.resumeFrom,
    signal: {
      get aborted() {
        return Atomics.load(flag, 0) === 1;
      },
    },
    onEvent: progress,
  });
});
