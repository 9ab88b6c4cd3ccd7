import { parentPort } from 'node:worker_threads';

/**
 * The worker side of WorkerPool: call once with a handler; it answers each request
 * with a result or an error (its message and `errorCode`), and lets the handler report progress.
 */
export function serveWorker<Req, Res, Prog = unknown>(handler: (request: Req, progress: (p: Prog) => void) => Promise<Res>): void {
  if (!parentPort) throw new Error('serveWorker must run inside a worker thread');
  const port = parentPort;
  port.on('message', async (msg: { id: number; request: Req }) => {
    try {
      const result = await handler(msg.request, (progress) => port.postMessage({ id: msg.id, type: 'progress', progress }));
      port.postMessage({ id: msg.id, type: 'result', result });
    } catch (err) {
      // The code crosses the thread boundary as data, so the engine can act on it without reading the message.
      // An errno does not survive the crossing, and a full disk must stay recognisable as one (the queue pauses for it).
      const given = (err as { errorCode?: unknown } | null)?.errorCode;
      const errno = (err as { code?: unknown } | null)?.code;
      const code = typeof given === 'string' ? given : errno === 'ENOSPC' || errno === 'EDQUOT' ? 'disk_full' : null;
      port.postMessage({ id: msg.id, type: 'error', message: err instanceof Error ? err.message : String(err), code });
    }
  });
}
