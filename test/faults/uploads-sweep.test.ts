/**
 * Staged uploads do not pile up: an upload that stops halfway leaves nothing; interrupted
 * uploads (`*.part`) are removed at start; an upload no import claimed is removed once it
 * is older than the expiry (at start and on the periodic sweep); a claimed one stays.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src-main/engine/ids.js';
import { openEngine } from '../../src-main/features/index.js';
import { startServer } from '../../src-main/server/server.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 24 * 3600_000;

async function age(file: string, ms: number): Promise<void> {
  const t = new Date(Date.now() - ms);
  await fs.utimes(file, t, t);
}

describe('staged uploads', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('atolye-uploads-')));
  afterAll(() => cleanup());

  it('sweeps interrupted and expired unclaimed uploads at start and later, and keeps claimed and recent ones', { timeout: 60_000 }, async () => {
    const dataDir = path.join(dir, 'lib');
    const claimed = newId();
    let engine = await openEngine({ dataDir, queue: { autostart: false } });
    engine.db.prepare('INSERT INTO upload_claims (upload_id, owner, claimed_at) VALUES (?, ?, ?)').run(claimed, 'an-import', Date.now());
    const uploads = engine.uploads.dir;
    await engine.close();

    const part = `${newId()}.part`;
    const old = newId();
    const recent = newId();
    for (const name of [part, old, recent, claimed]) await fs.writeFile(path.join(uploads, name), 'bytes');
    await fs.writeFile(path.join(uploads, 'notes.txt'), 'not ours');
    await age(path.join(uploads, old), 2 * DAY);
    await age(path.join(uploads, claimed), 2 * DAY);

    engine = await openEngine({ dataDir, queue: { autostart: false } });
    try {
      expect((await fs.readdir(uploads)).sort()).toEqual([claimed, recent, 'notes.txt'].sort());
      // Later, the periodic sweep: the recent one has expired unclaimed by now.
      await age(path.join(uploads, recent), DAY + 60_000);
      expect(await engine.uploads.sweep({ atStart: false })).toEqual([recent]);
      expect((await fs.readdir(uploads)).sort()).toEqual([claimed, 'notes.txt'].sort());
    } finally {
      await engine.close();
    }
  });

  it('leaves nothing of an upload whose client stops halfway, and keeps serving', { timeout: 60_000 }, async () => {
    const engine = await openEngine({ dataDir: path.join(dir, 'lib-http'), workers: 1, queue: { autostart: false } });
    const server = await startServer({ engine, port: 0, staticDir: null });
    try {
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        [`POST /api/uploads HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, `Authorization: Bearer ${server.token}`, 'X-File-Name: half.jpg', `Content-Length: ${1024 * 1024}`, '', ''].join('\r\n'),
      );
      socket.write(Buffer.alloc(200 * 1024, 7));
      // The upload is being received: a .part exists.
      await expect.poll(async () => (await fs.readdir(engine.uploads.dir)).some((n) => n.endsWith('.part')), { timeout: 10_000 }).toBe(true);
      socket.destroy();
      await expect.poll(async () => fs.readdir(engine.uploads.dir), { timeout: 10_000 }).toEqual([]);
      const res = await fetch(new URL('/api/rpc/projects.list', server.url), { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
    } finally {
      await server.close();
      await engine.close();
    }
  });
});
