import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import { tempDir } from '../../helpers/tmp.js';

// `blocking` is how the ingest workers use the store (its cheap file operations as plain system calls).
describe.each([{ blocking: false }, { blocking: true }])('blob store group commit (what each imported photo and thumbnail goes through), %o', (mode) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: BlobStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = new BlobStore(dir, mode);
    await store.init();
  });
  afterEach(() => cleanup());

  it('commits puts that arrive together, each under its own sha256 with its own bytes, and leaves no temp file', async () => {
    const buffers = Array.from({ length: 40 }, (_, i) => Buffer.from(`blob ${i} `.repeat(1000 + i)));
    const puts = await Promise.all(buffers.map((b) => store.putBuffer(b)));
    for (const [i, put] of puts.entries()) {
      expect(put.sha256).toBe(createHash('sha256').update(buffers[i]!).digest('hex'));
      expect((await fs.readFile(store.pathOf(put.sha256))).equals(buffers[i]!)).toBe(true);
    }
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
    // The same bytes again: stored once.
    const again = await Promise.all(buffers.slice(0, 5).map((b) => store.putBuffer(b)));
    expect(again.map((p) => p.sha256)).toEqual(puts.slice(0, 5).map((p) => p.sha256));
  });

  it('fails only the commit that cannot land; the others in the same flush are stored', async () => {
    const good = Buffer.from('a good blob');
    const bad = Buffer.from('a blob whose folder is taken by a file');
    const badSha = createHash('sha256').update(bad).digest('hex');
    // A plain file where the blob's fan-out folder would go: its rename cannot happen.
    await fs.rm(path.join(dir, 'blobs', badSha.slice(0, 2)), { recursive: true });
    await fs.writeFile(path.join(dir, 'blobs', badSha.slice(0, 2)), 'in the way');
    const [ok, refused] = await Promise.allSettled([store.putBuffer(good), store.putBuffer(bad)]);
    expect(ok.status).toBe('fulfilled');
    expect(refused.status).toBe('rejected');
    expect(await store.has(createHash('sha256').update(good).digest('hex'))).toBe(true);
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('makes every fan-out folder when the library is made, and a put still lands when its folder is missing', async () => {
    const folders = (await fs.readdir(path.join(dir, 'blobs'))).sort();
    expect(folders).toHaveLength(256);
    expect(folders[0]).toBe('00');
    expect(folders[255]).toBe('ff');
    const data = Buffer.from('a blob whose folder was removed');
    const sha = createHash('sha256').update(data).digest('hex');
    await fs.rm(path.join(dir, 'blobs', sha.slice(0, 2)), { recursive: true });
    expect((await store.putBuffer(data)).sha256).toBe(sha);
    expect((await fs.readFile(store.pathOf(sha))).equals(data)).toBe(true);
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('marks bytes already stored as just written (the collector keeps them) instead of writing them again', async () => {
    const data = Buffer.from('stored once, put twice');
    const { sha256 } = await store.putBuffer(data);
    const old = new Date(Date.now() - 3_600_000);
    await fs.utimes(store.pathOf(sha256), old, old);
    const inode = (await fs.stat(store.pathOf(sha256))).ino;
    await store.putBuffer(data);
    const after = await fs.stat(store.pathOf(sha256));
    expect(after.ino).toBe(inode);
    expect(after.mtimeMs).toBeGreaterThan(old.getTime() + 3_000_000);
  });
});
