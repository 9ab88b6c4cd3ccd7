/**
 * The inference thread: owns every onnxruntime session, so a model run (which blocks
 * its thread for the whole forward pass) never stalls the engine's event loop.
 */
import { workerData } from 'node:worker_threads';
import { serveWorker } from '../workers/serve-worker.js';
import type { InferenceRequest, InferenceResponse, RuntimeConfig } from './protocol.js';
import { SessionCache } from './sessions.js';

const cache = new SessionCache((workerData as { config: RuntimeConfig }).config);

serveWorker<InferenceRequest, InferenceResponse>(async (req) => {
  switch (req.type) {
    case 'configure':
      cache.configure(req.config);
      return { type: 'configured' };
    case 'probe':
      return { type: 'probe', providers: await cache.probe() };
    case 'inspect':
      return { type: 'inspect', ...(await cache.inspect(req.path)) };
    case 'segment':
      return { type: 'segment', ...(await cache.segment(req.model, req.pixels, req.width, req.height)) };
    case 'embed':
      return { type: 'embed', ...(await cache.embed(req.model, req.pixels, req.count)) };
    case 'unload':
      return { type: 'unloaded', count: await cache.unload(req.modelId) };
    case 'status':
      return { type: 'status', sessions: cache.status() };
  }
});
