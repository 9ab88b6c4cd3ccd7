import { ContractError, Id, MediaVariant, type ErrorBody } from '../../src-shared/contract/index.js';
import { createDispatcher } from '../engine/api/dispatch.js';
import type { Engine, EngineOptions } from '../engine/engine.js';
import { openEngine } from '../features/index.js';
import { isHostRequest, type HostPort, type HostRequest } from './protocol.js';

export interface ServeOptions extends Omit<EngineOptions, 'features'> {
  /** For logs only. */
  log?: (line: string) => void;
}

export interface ServedEngine {
  engine: Engine;
  /** Resolves once a shutdown has closed the engine and `closed` was posted. */
  done: Promise<void>;
  /** The same as a `shutdown` request (used when the parent goes away without one). */
  shutdown(): Promise<void>;
}

/**
 * Runs the engine behind a message port: contract calls, media look-ups, pushed events
 * and a clean shutdown. Knows nothing about which process model carries the port, so
 * the same loop serves Electron's utility process, a Node child process and tests.
 */
export async function serveEngine(port: HostPort, options: ServeOptions = {}): Promise<ServedEngine> {
  const log = options.log ?? ((line: string) => console.error(`[engine-host] ${line}`));
  // Listen before opening: requests sent while the library opens are answered after.
  const early: unknown[] = [];
  let handle: ((message: unknown) => void) | null = null;
  const stopListening = port.onMessage((message) => (handle ? handle(message) : early.push(message)));

  const engine = await openEngine(options);
  const dispatch = createDispatcher(engine);
  const unsubscribe = engine.events.subscribe((event) => port.postMessage({ type: 'event', event }));
  const inFlight = new Set<Promise<void>>();
  let stopping: Promise<void> | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const answer = (id: number, work: () => Promise<unknown> | unknown) => {
    const task = (async () => {
      try {
        port.postMessage({ type: 'result', id, ok: true, result: await work() });
      } catch (err) {
        port.postMessage({ type: 'result', id, ok: false, error: errorBody(err, log) });
      }
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const shutdown = () =>
    (stopping ??= (async () => {
      // Let answers already under way go out, then close: the library records a clean quit.
      await Promise.allSettled([...inFlight]);
      unsubscribe();
      try {
        await engine.close();
      } catch (err) {
        log(`closing the engine failed: ${(err as Error).message}`);
      }
      stopListening();
      port.postMessage({ type: 'closed' });
      resolveDone();
    })());

  handle = (message: unknown) => {
    if (!isHostRequest(message)) {
      log(`ignored a malformed message: ${safePreview(message)}`);
      return;
    }
    const request: HostRequest = message;
    if (request.type === 'shutdown') {
      void shutdown();
      return;
    }
    if (stopping) {
      port.postMessage({ type: 'result', id: request.id, ok: false, error: { code: 'unavailable', message: 'the engine is shutting down' } });
      return;
    }
    if (request.type === 'call') {
      answer(request.id, () => dispatch(request.method, request.input));
      return;
    }
    answer(request.id, () => {
      const assetId = Id.safeParse(request.assetId);
      const variant = MediaVariant.safeParse(request.variant);
      if (!assetId.success || !variant.success) throw new ContractError('invalid_input', 'media: expected an asset id and a variant (thumb or original)');
      // What a window shows: passive raster only (an imported SVG is rasterised, never served as a document).
      return engine.mediaForDisplay(assetId.data, variant.data);
    });
  };
  for (const message of early.splice(0)) handle(message);

  port.postMessage({ type: 'ready', info: engine.info(), pid: process.pid });
  return { engine, done, shutdown };
}

function errorBody(err: unknown, log: (line: string) => void): ErrorBody {
  if (err instanceof ContractError) return err.toJSON();
  log(`unexpected failure: ${(err as Error)?.stack ?? String(err)}`);
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

function safePreview(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return typeof value;
  }
}
