/**
 * The Node client's event socket never crashes its process: an error on it (a close
 * before it opened, a reset connection) is not an uncaught exception. The CLI installs a
 * crash guard that turns one into exit 70, which a CI run once saw from a CLI beside
 * `atolye serve`; errors reach callers through connected() and polling instead.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src-main/server/client.js';

function uncaught(): { errors: unknown[]; stop: () => void } {
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  process.on('uncaughtException', onError);
  return { errors, stop: () => process.off('uncaughtException', onError) };
}

describe('the Node client’s event socket', () => {
  it('closing it before it opens raises nothing', async () => {
    // A server that never answers the upgrade: the socket stays connecting.
    const server = http.createServer();
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const watch = uncaught();
    try {
      const client = new HttpBackend(`http://127.0.0.1:${port}/`, 'token');
      const unsubscribe = client.subscribe(() => {});
      unsubscribe();
      await new Promise((r) => setTimeout(r, 300));
      expect(watch.errors).toEqual([]);
    } finally {
      watch.stop();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a connection the server resets is an error for connected(), not for the process', async () => {
    const server = http.createServer();
    server.on('upgrade', (_req, socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const watch = uncaught();
    try {
      const client = new HttpBackend(`http://127.0.0.1:${port}/`, 'token');
      client.subscribe(() => {});
      await expect(client.connected()).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 200));
      expect(watch.errors).toEqual([]);
      // Asked again after the socket failed, it answers at once instead of waiting forever.
      await expect(client.connected()).rejects.toThrow(/closed before it opened/);
      client.close();
    } finally {
      watch.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
