/**
 * Uploads never fill the disk the library writes to: one that would leave less than the
 * reserve free is refused before a byte is written (507 over HTTP, with words), and one
 * whose disk fills while it streams stops and leaves nothing behind.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src-main/features/index.js';
import { startServer } from '../../src-main/server/server.js';
import { tempDir } from '../helpers/tmp.js';

const MiB = 2 ** 20;

describe('uploads and free disk space', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('atolye-upload-space-')));
  afterAll(() => cleanup());

  it('refuses an upload the disk cannot hold, and stops one when the disk fills under it', { timeout: 60_000 }, async () => {
    let free = 600 * MiB;
    const engine = await openEngine({ dataDir: path.join(dir, 'lib'), queue: { autostart: false }, uploads: { reserveBytes: 512 * MiB, freeBytes: async () => free } });
    const server = await startServer({ engine, port: 0, staticDir: null });
    try {
      const post = (body: Buffer) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/uploads', headers: { Authorization: `Bearer ${server.token}`, 'Content-Length': body.length } },
            (res) => {
              let text = '';
              res.on('data', (c) => (text += c));
              res.on('end', () => resolve({ status: res.statusCode!, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      // 600 MiB free, 512 kept: a 100 MiB upload does not fit, a 1 MiB one does.
      const big = await post(Buffer.alloc(100 * MiB));
      expect(big.status).toBe(507);
      expect(JSON.parse(big.body)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not enough free disk space .*600 MiB free.*512 MiB/) });
      const small = await post(Buffer.alloc(MiB, 7));
      expect(small.status).toBe(200);
      expect(await fs.readdir(engine.uploads.dir)).toEqual([JSON.parse(small.body).uploadId]);

      // No declared length (a stream): the disk fills while it is written; it stops at the next look.
      let sent = 0;
      const stream = new Readable({
        read() {
          if (sent >= 200 * MiB) return this.push(null);
          sent += MiB;
          if (sent > 70 * MiB) free = 100 * MiB;
          this.push(Buffer.alloc(MiB));
        },
      });
      await expect(engine.uploads.receive(stream)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not enough free disk space/) });
      expect(sent).toBeLessThan(200 * MiB);
      expect(await fs.readdir(engine.uploads.dir)).toEqual([JSON.parse(small.body).uploadId]);
    } finally {
      await server.close();
      await engine.close();
    }
  });
});
