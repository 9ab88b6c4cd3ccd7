/**
 * A client that holds its event socket open but never reads it (a hung tab, a hostile
 * script with the token) must not make the engine queue events for it without bound: past
 * the backlog limit its socket is dropped, while a client that reads keeps every event.
 */
import path from 'node:path';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { tempDir } from '../helpers/tmp.js';

describe('event socket backlog', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let server: RunningServer;

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    engine = await openEngine({ dataDir: path.join(t.dir, 'data'), workers: 1 });
    server = await startServer({ engine, port: 0, staticDir: null, limits: { maxEventBacklogBytes: 256 * 1024 } });
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
    await cleanup();
  });

  const connect = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers: { Authorization: `Bearer ${server.token}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });

  it('drops a socket that does not read its events; a reading one gets them all', async () => {
    const stalled = await connect();
    const reader = await connect();
    let read = 0;
    reader.on('message', () => read++);
    // The stalled client stops reading: the kernel's buffers fill, then the server's queue grows.
    const socket = (stalled as unknown as { _socket: Socket })._socket;
    socket.pause();
    let stalledClosed = false;
    stalled.on('close', () => (stalledClosed = true));
    const ids = Array.from({ length: 200 }, (_, i) => `model-${i}-${'x'.repeat(40)}`);
    const events = 2000; // ~18 MB in all: far past the loopback buffers and the 256 KB limit
    for (let i = 0; i < events; i++) {
      engine.events.emit('training.modelsChanged', { ids });
      // Events come in over time: the reader (in this same process) reads between bursts.
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
    }
    await expect.poll(() => read, { timeout: 20_000 }).toBe(events);
    socket.resume();
    await expect.poll(() => stalledClosed, { timeout: 10_000 }).toBe(true);
    expect(reader.readyState).toBe(WebSocket.OPEN);
    reader.close();
  }, 60_000);
});
