/** Worker thread: frameStats() for the analysis pass, so per-pixel loops stay off the engine's event loop. */
import { serveWorker } from '../../engine/workers/serve-worker.js';
import { frameStats, type FrameStats } from './frame-quality.js';

export interface MeasureRequest {
  rgb: Uint8Array;
  width: number;
  height: number;
}

serveWorker<MeasureRequest, FrameStats>(async (req) => frameStats(req.rgb, req.width, req.height));
