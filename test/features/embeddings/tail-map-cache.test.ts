import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OFFLINE_EMBEDDER_320_ID, OFFLINE_EMBEDDER_ID, offlineTailMapBytes, TailMapCache } from '../../../src-main/features/embeddings/public.js';
import { tempDir } from '../../helpers/tmp.js';

const sha = (n: number) => n.toString(16).padStart(64, '0');
/** Whether the cache gives a map back (a whole one: get checks the size). */
const has = async (cache: TailMapCache, sha256: string, view: string | null) => (await cache.get(sha256, view)) !== null;
const mapOf = (cache: TailMapCache, seed: number) => Float32Array.from({ length: cache.mapBytes / 4 }, (_, i) => Math.sin(seed * 1000 + i));

describe('the fine-tuning maps cache', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const t = await tempDir('atolye-tail-maps-');
    root = path.join(t.dir, 'cache', 'tail-maps');
    cleanup = t.cleanup;
  });
  afterEach(() => cleanup());

  it('gives back the very map it kept, per image and view, and nothing for others', async () => {
    const cache = new TailMapCache(root, OFFLINE_EMBEDDER_320_ID, 1, 0);
    expect(cache.mapBytes).toBe(offlineTailMapBytes(OFFLINE_EMBEDDER_320_ID, 1));
    const map = mapOf(cache, 1);
    expect(await cache.put(sha(1), null, map)).toBe(true);
    expect(await cache.put(sha(1), 'mirror', mapOf(cache, 2))).toBe(true);
    const back = await cache.get(sha(1), null);
    expect(Buffer.from(back!.buffer).equals(Buffer.from(map.buffer))).toBe(true);
    expect((await cache.get(sha(1), 'mirror'))![0]).toBe(mapOf(cache, 2)[0]);
    expect(await has(cache, sha(1), null)).toBe(true);
    expect(await has(cache, sha(1), 'darker')).toBe(false);
    expect(await cache.get(sha(2), null)).toBeNull();
    expect([...cache.keptSync()].sort()).toEqual([TailMapCache.keyOf(sha(1), 'mirror'), TailMapCache.keyOf(sha(1), null)].sort());
    expect(new TailMapCache(path.join(root, 'none'), OFFLINE_EMBEDDER_ID, 1).keptSync().size).toBe(0);
    // Another depth or another built-in never reads these maps.
    expect(await new TailMapCache(root, OFFLINE_EMBEDDER_320_ID, 2, 0).get(sha(1), null)).toBeNull();
    expect(await new TailMapCache(root, OFFLINE_EMBEDDER_ID, 1, 0).get(sha(1), null)).toBeNull();
    await expect(cache.put(sha(3), null, new Float32Array(7))).rejects.toThrow(/expected/);
  });

  it('treats a short or damaged-size file as absent, and refuses names that are not a sha256 or a view', async () => {
    const cache = new TailMapCache(root, OFFLINE_EMBEDDER_320_ID, 1, 0);
    await cache.put(sha(4), null, mapOf(cache, 4));
    await fs.truncate(cache.fileOf(sha(4), null), 100);
    expect(await cache.get(sha(4), null)).toBeNull();
    expect(await has(cache, sha(4), null)).toBe(false);
    expect(() => cache.fileOf('../../etc/passwd', null)).toThrow(/sha256/);
    expect(() => cache.fileOf(sha(5), '../x')).toThrow(/view/);
  });

  it('keeps nothing when the disk would be left with less than its reserve', async () => {
    const cache = new TailMapCache(root, OFFLINE_EMBEDDER_320_ID, 1, Number.MAX_SAFE_INTEGER);
    expect(await cache.put(sha(6), null, mapOf(cache, 6))).toBe(false);
    expect(await has(cache, sha(6), null)).toBe(false);
    expect(await fs.readdir(path.dirname(cache.fileOf(sha(6), null)))).toEqual([]);
  });

  it('prunes the least recently used maps down to its cap, and crashed writes', async () => {
    const cache = new TailMapCache(root, OFFLINE_EMBEDDER_320_ID, 1, 0);
    const other = new TailMapCache(root, OFFLINE_EMBEDDER_ID, 1, 0);
    const now = Date.now();
    const age = async (file: string, minutes: number) => {
      const t = new Date(now - minutes * 60_000);
      await fs.utimes(file, t, t);
    };
    for (let i = 0; i < 4; i++) {
      await cache.put(sha(10 + i), null, mapOf(cache, i));
      await age(cache.fileOf(sha(10 + i), null), 60 - i); // 10 is the oldest
    }
    await other.put(sha(20), null, mapOf(other, 20));
    await age(other.fileOf(sha(20), null), 90); // the oldest of all, in another folder
    // Reading 10 makes it the most recently used.
    expect(await cache.get(sha(10), null)).not.toBeNull();
    const stalePart = `${cache.fileOf(sha(30), null)}.abc.part`;
    const freshPart = `${cache.fileOf(sha(31), null)}.def.part`;
    await fs.mkdir(path.dirname(stalePart), { recursive: true });
    await fs.mkdir(path.dirname(freshPart), { recursive: true });
    await fs.writeFile(stalePart, 'x');
    await fs.writeFile(freshPart, 'y');
    await age(stalePart, 11);

    const left = await cache.prune(2 * cache.mapBytes);
    expect(left).toBe(2 * cache.mapBytes);
    expect(await has(other, sha(20), null)).toBe(false);
    expect(await Promise.all([10, 11, 12, 13].map((i) => has(cache, sha(i), null)))).toEqual([true, false, false, true]);
    await expect(fs.access(stalePart)).rejects.toThrow();
    await expect(fs.access(freshPart)).resolves.toBeUndefined();
    // A cache that was never written prunes to nothing without complaint.
    expect(await new TailMapCache(path.join(root, 'none'), OFFLINE_EMBEDDER_ID, 1).prune(0)).toBe(0);
  });
});
