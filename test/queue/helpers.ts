import path from 'node:path';
import { openDatabase, type Db } from '../../src-main/engine/db/database.js';
import { EventBus } from '../../src-main/engine/events.js';
import { newId } from '../../src-main/engine/ids.js';
import { z } from 'zod';
import { Queue, type QueueOptions } from '../../src-main/engine/queue/queue.js';
import { engineFeatures } from '../../src-main/features/index.js';
import { defineBatchType, type JobHandle } from '../../src-main/engine/queue/types.js';
import type { EngineEvent } from '../../src-shared/contract/index.js';

/** A library database with every migration (core's and every feature's), as the engine opens it. */
export function openQueueDb(dir: string, name = 'library.db'): Db {
  return openDatabase(path.join(dir, name), { scopes: engineFeatures.map((f) => ({ scope: f.name, migrations: f.migrations ?? [] })) });
}

/** A queue on its own (no Engine), with every event it emits recorded. */
export function makeQueue(db: Db, options: QueueOptions = {}): { queue: Queue; events: EngineEvent[]; bus: EventBus } {
  const bus = new EventBus();
  const events: EngineEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return { queue: new Queue(db, bus, newId(), { pollMs: 60_000, ...options }), events, bus };
}

/**
 * A handle for a job type a test registered inline (`queue.register(defineJob({ type: 'x', … }))`):
 * the queue checks the payload against the registered definition.
 */
export function job(type: string): JobHandle<unknown> {
  return { type, payload: z.unknown() };
}

/** A batch type for tests, registered on first use. */
export function batchOf(queue: Queue, type: string) {
  const handle = defineBatchType({ type });
  if (!queue.hasBatchType(type)) queue.registerBatchType(handle);
  return handle;
}

/** Lets setImmediate-scheduled turns and promise callbacks run. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
