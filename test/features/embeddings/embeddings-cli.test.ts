/**
 * `atolye embed` and `atolye similar` on real grocery photos with the offline embedder:
 * one JSON line per image named relative to the folder, skipped files on stderr with the
 * reason (and exit 1), unit-length vectors; a photo finds itself first in a project;
 * a resized copy is listed with its original by `atolye duplicates`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main.js';
import { OFFLINE_EMBEDDER_SHA256 } from '../../../src-main/features/embeddings/offline-embedder.js';
import { tempDir } from '../../helpers/tmp.js';
import { classPhotos, copyInto, groceryMissing, sharedEmbedderCache } from './grocery-sample.js';

if (groceryMissing) console.warn(`atolye embed/similar tests skipped: ${groceryMissing}`);

describe.skipIf(groceryMissing)('atolye embed and atolye similar', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let out: string[];
  let err: string[];
  const io = () => ({ out: (l: string) => out.push(l), err: (l: string) => err.push(l), stopped: new Promise<void>(() => {}) });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atolye-embed-cli-'));
    out = [];
    err = [];
    // The CLI builds the offline embedder into the library at first use; a built copy
    // (checked by its sha256 there) saves each test the build.
    const cached = path.join(sharedEmbedderCache, `atolye-mobilenet-v2-hsv-${OFFLINE_EMBEDDER_SHA256}.onnx`);
    if (await fs.stat(cached).catch(() => null)) {
      await fs.mkdir(path.join(dir, 'data', 'models', 'embedders'), { recursive: true });
      await fs.copyFile(cached, path.join(dir, 'data', 'models', 'embedders', path.basename(cached)));
    }
  });
  afterEach(() => cleanup());

  it('writes a line per image and lists what it skipped', async () => {
    const folder = path.join(dir, 'photos');
    await copyInto(folder, classPhotos('train', 'Granny-Smith', 2), 'granny-');
    await copyInto(path.join(folder, 'more'), classPhotos('train', 'Arla-Standard-Milk', 1), 'milk-');
    await fs.copyFile(path.join(folder, 'granny-00.jpg'), path.join(folder, 'same-as-granny.jpg'));
    await fs.writeFile(path.join(folder, 'notes.txt'), 'not an image');
    await fs.writeFile(path.join(folder, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const jsonl = path.join(dir, 'vectors.jsonl');

    const code = await runCli(['--data-dir', path.join(dir, 'data'), 'embed', folder, '--out', jsonl], io());
    expect(code).toBe(1);
    const lines = (await fs.readFile(jsonl, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; vector: number[] });
    expect(lines.map((l) => l.file).sort()).toEqual(['granny-00.jpg', 'granny-01.jpg', 'more/milk-00.jpg', 'same-as-granny.jpg']);
    for (const l of lines) {
      expect(l.vector).toHaveLength(lines[0]!.vector.length);
      expect(Math.hypot(...l.vector)).toBeCloseTo(1, 4);
    }
    const byFile = new Map(lines.map((l) => [l.file, l.vector]));
    expect(byFile.get('same-as-granny.jpg')).toEqual(byFile.get('granny-00.jpg'));
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(dot(byFile.get('granny-00.jpg')!, byFile.get('granny-01.jpg')!)).toBeGreaterThan(dot(byFile.get('granny-00.jpg')!, byFile.get('more/milk-00.jpg')!));
    const stderr = err.join('\n');
    expect(stderr).toMatch(/skipped notes\.txt: not an image file/);
    expect(stderr).toMatch(/skipped .*broken\.jpg: /);
    expect(out.join('\n')).toMatch(/^4 images embedded with atolye-mobilenet-v2-hsv into .*; 2 skipped$/);
  }, 120_000);

  it('ranks a project by similarity to an image file', async () => {
    const folder = path.join(dir, 'shelf');
    const granny = await copyInto(folder, classPhotos('train', 'Granny-Smith', 2), 'granny-');
    await copyInto(folder, classPhotos('train', 'Arla-Standard-Milk', 2), 'milk-');
    const data = path.join(dir, 'data');
    expect(await runCli(['--data-dir', data, 'import', folder, '--project', 'shelf'], io())).toBe(0);
    out = [];
    expect(await runCli(['--data-dir', data, 'similar', granny[1]!, '--in', 'shelf', '-k', '3', '--json'], io())).toBe(0);
    const hits = JSON.parse(out.join('\n')) as { file: string; score: number }[];
    expect(hits).toHaveLength(3);
    expect(hits[0]).toMatchObject({ file: 'granny-01.jpg' });
    expect(hits[0]!.score).toBeCloseTo(1, 4);
    expect(hits[1]!.score).toBeLessThanOrEqual(hits[0]!.score);
    expect(await runCli(['--data-dir', data, 'similar', granny[1]!, '--in', 'nowhere'], io())).toBe(1);
    expect(err.join('\n')).toMatch(/no project named nowhere/);
  }, 120_000);

  it('lists the near-duplicates of a project', async () => {
    const folder = path.join(dir, 'dupes');
    const [granny] = await copyInto(folder, classPhotos('train', 'Granny-Smith', 1), 'granny-');
    await copyInto(folder, classPhotos('train', 'Arla-Standard-Milk', 1), 'milk-');
    const { width } = await sharp(granny!).metadata();
    await sharp(granny!).resize(Math.round(width! / 2)).jpeg({ quality: 60 }).toFile(path.join(folder, 'granny-small.jpg'));
    const data = path.join(dir, 'data');
    expect(await runCli(['--data-dir', data, 'import', folder, '--project', 'dupes'], io())).toBe(0);
    out = [];
    expect(await runCli(['--data-dir', data, 'duplicates', 'dupes', '--json'], io())).toBe(0);
    const groups = JSON.parse(out.join('\n')) as { keep: { fileName: string }; others: { fileName: string }[] }[];
    expect(groups).toEqual([expect.objectContaining({ keep: expect.objectContaining({ fileName: 'granny-00.jpg' }), others: [expect.objectContaining({ fileName: 'granny-small.jpg' })] })]);
  }, 120_000);
});
