import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDragOut, MAX_DRAGGED } from '../../src-main/electron/drag-out.js';
import { tempDir } from '../helpers/tmp.js';

const app = { url: 'atolye://app/index.html', isMainFrame: true };
const id = (n: number) => `0190e0e0-1234-7abc-8def-${String(n).padStart(12, '0')}`;

describe('dragging images out of the app', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let blobs: Map<string, { path: string; name: string }>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atolye-drag-'));
    blobs = new Map();
    for (const [n, name] of [[1, 'ürün 1.png'], [2, 'ürün 1.png'], [3, '../../.bashrc'], [4, 'Kola\u0000.jpg']] as const) {
      const blob = path.join(dir, `blob${n}`);
      await fs.writeFile(blob, `bytes of ${n}`);
      blobs.set(id(n), { path: blob, name });
    }
  });
  afterEach(() => cleanup());

  const dragOut = (now = () => Date.now()) => createDragOut({ lookup: async (a) => blobs.get(a) ?? null, stageDir: path.join(dir, 'stage'), log: () => {}, now });

  it('stages each image under its own plain, unique file name with its bytes, and starts the drag with them', async () => {
    const started: string[][] = [];
    const files = await dragOut()(app, [id(1), id(2), id(3), id(4), id(9), 'x', 42, id(1)], (f) => started.push(f));
    expect(started).toEqual([files]);
    expect(files.map((f) => path.basename(f))).toEqual(['ürün 1.png', 'ürün 1 (2).png', 'bashrc', 'Kola_.jpg']);
    expect(new Set(files.map((f) => path.dirname(f))).size).toBe(1);
    expect(await fs.readFile(files[1]!, 'utf8')).toBe('bytes of 2');
  });

  it('does nothing for another page, or when nothing it names exists', async () => {
    const started: string[][] = [];
    expect(await dragOut()({ url: 'https://evil.example/', isMainFrame: true }, [id(1)], (f) => started.push(f))).toEqual([]);
    expect(await dragOut()(app, 'not an array', (f) => started.push(f))).toEqual([]);
    expect(await dragOut()(app, [id(8)], (f) => started.push(f))).toEqual([]);
    expect(started).toEqual([]);
  });

  it('takes at most MAX_DRAGGED images, and sweeps staged folders older than an hour at the next drag', async () => {
    let now = Date.now();
    const drag = dragOut(() => now);
    const many = Array.from({ length: MAX_DRAGGED + 50 }, (_, i) => id(1000 + i));
    let asked = 0;
    const counting = createDragOut({ lookup: async () => (asked++, null), stageDir: path.join(dir, 'stage'), log: () => {} });
    await counting(app, many, () => {});
    expect(asked).toBe(MAX_DRAGGED);
    const [old] = await drag(app, [id(1)], () => {});
    now += 2 * 60 * 60 * 1000;
    const [fresh] = await drag(app, [id(2)], () => {});
    await expect(fs.stat(old!)).rejects.toThrow();
    expect((await fs.stat(fresh!)).isFile()).toBe(true);
  });
});
