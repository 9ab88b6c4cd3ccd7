import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageIngestPool } from '../../../src-main/engine/images/ingest-pool.js';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import { tempDir } from '../../helpers/tmp.js';

const threads = () => readdirSync('/proc/self/task').length;

describe('ingest pool warm-up (an import boots its workers while its scan runs)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let pool: ImageIngestPool | null = null;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await new BlobStore(dir).init();
  });
  afterEach(async () => {
    await pool?.close();
    pool = null;
    await cleanup();
  });

  it.skipIf(process.platform !== 'linux')('starts every worker before any file is given, then ingests and stores a real JPEG', { timeout: 60_000 }, async () => {
    pool = new ImageIngestPool(dir, 2);
    const before = threads();
    await pool.warm();
    // Two worker threads (at least) exist now, each having answered its warm-up.
    expect(threads() - before).toBeGreaterThanOrEqual(2);
    await pool.warm(); // a second call starts nothing more
    const photo = path.join(dir, 'photo.jpg');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a7' } }).jpeg().toFile(photo);
    const result = await pool.ingest(photo);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.sha256).toBe(createHash('sha256').update(await fs.readFile(photo)).digest('hex'));
    expect([result.width, result.height, result.thumb.width, result.thumb.height]).toEqual([640, 480, 320, 240]);
    const stored = new BlobStore(dir);
    expect(await stored.has(result.sha256)).toBe(true);
    expect((await sharp(stored.pathOf(result.thumb.sha256)).metadata()).format).toBe('webp');
  });
});
