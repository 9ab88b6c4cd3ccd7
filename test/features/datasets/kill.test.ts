/**
 * A dataset import or export killed (SIGKILL) half-way, then the library opened again:
 * no dataset is listed that is not whole, the unpacked ZIP is gone from scratch, and no
 * half export stays at (or beside) the destination looking like a whole one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src-main/features/index.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { tempDir } from '../../helpers/tmp.js';

const child = fileURLToPath(new URL('./dataset-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const PRODUCTS = 8;
const FRAMES = 6;
const IMAGES = PRODUCTS * (FRAMES + 1);

function run(dataDir: string, method: string, input: unknown): { proc: ChildProcess; out: () => string; exited: Promise<NodeJS.Signals | number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, method, JSON.stringify(input)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  return { proc, out: () => out, exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code))) };
}

async function count(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (e.isFile()) n++;
  return n;
}

/** Waits until `check` holds (or the child ended first), then SIGKILLs the child; says whether it was still running. */
async function killWhen(c: ReturnType<typeof run>, check: () => Promise<boolean>): Promise<boolean> {
  let ended = false;
  void c.exited.then(() => (ended = true));
  while (!ended && !(await check())) await new Promise((r) => setTimeout(r, 20));
  if (ended) return false;
  c.proc.kill('SIGKILL');
  expect(await c.exited).toBe('SIGKILL');
  return true;
}

async function writeLayout(root: string): Promise<void> {
  const products = [];
  for (let p = 0; p < PRODUCTS; p++) {
    const barcode = String(4000000000000 + p * 10);
    const split = p < 6 ? 'train' : 'valid';
    const dir = path.join(root, split, barcode);
    await fs.mkdir(path.join(dir, 'real'), { recursive: true });
    for (let f = 0; f < FRAMES; f++) {
      await sharp({ create: { width: 640 + p, height: 480 + f, channels: 3, background: { r: p * 20, g: f * 30, b: 90 }, noise: { type: 'gaussian', mean: 100 + p, sigma: 40 } } })
        .png()
        .toFile(path.join(dir, `frame_${String(f).padStart(4, '0')}.png`));
    }
    await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 10, g: p * 20, b: 30 }, noise: { type: 'gaussian', mean: 90, sigma: 30 } } }).jpeg().toFile(path.join(dir, 'real', 'shelf.jpg'));
    products.push({ folder: barcode, barcode, brandName: 'Kill', productName: `P${p}`, split });
  }
  await fs.writeFile(path.join(root, 'dataset.json'), JSON.stringify({ format: 'atolye-dataset', version: 1, name: 'Half set', products }));
}

async function zipFolder(root: string, dest: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) zip.addFile(path.join(e.parentPath, e.name), path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'), { compress: false });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(createWriteStream(dest)).on('close', resolve).on('error', reject));
}

describe('datasets killed half-way', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let layout: string;
  let zipFile: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-ds-kill-'));
    layout = path.join(dir, 'layout');
    await writeLayout(layout);
    zipFile = path.join(dir, 'layout.zip');
    await zipFolder(layout, zipFile);
  }, 120_000);
  afterAll(() => cleanup());

  for (const kind of ['folder', 'zip'] as const) {
    it(`an import of a ${kind} killed half-way lists no dataset, leaves no scratch, and imports whole the next time`, { timeout: 180_000 }, async () => {
      const dataDir = path.join(dir, `import-${kind}`);
      const source = kind === 'folder' ? layout : zipFile;
      const c = run(dataDir, 'datasets.import', { path: source });
      // Killed once a third of the images are in the blob store (thumbnails count too).
      expect(await killWhen(c, async () => (await count(path.join(dataDir, 'blobs'))) >= IMAGES / 3)).toBe(true);
      if (kind === 'zip') expect(await count(path.join(dataDir, 'scratch', 'datasets'))).toBeGreaterThan(0);

      const engine = await openEngine({ dataDir, workers: 1 });
      try {
        const { store } = engine.use(datasetsFeature);
        expect(store.list()).toEqual([]);
        expect(engine.db.prepare('SELECT COUNT(*) FROM product_images').pluck().get()).toBe(0);
        expect(engine.db.prepare('SELECT COUNT(*) FROM products').pluck().get()).toBe(0);
        expect(await count(path.join(dataDir, 'scratch', 'datasets'))).toBe(0);
        // The user imports it again: one dataset, whole.
        const again = await engine.use(datasetsFeature).files.importPath(source);
        expect(again).toMatchObject({ productsCreated: PRODUCTS, images: { synthetic: PRODUCTS * FRAMES, real: PRODUCTS, augmented: 0 }, refused: [] });
        expect(store.list().map((d) => d.name)).toEqual(['Half set']);
      } finally {
        await engine.close();
      }
    });
  }

  for (const format of ['folder', 'zip'] as const) {
    it(`an export to a ${format} killed half-way leaves nothing at the destination, and its temp goes at the next start`, { timeout: 180_000 }, async () => {
      const dataDir = path.join(dir, `export-${format}`);
      let engine = await openEngine({ dataDir, workers: 1 });
      const { id } = (await engine.use(datasetsFeature).files.importPath(layout)).dataset;
      await engine.close();
      const out = path.join(dir, `out-${format}`);
      await fs.mkdir(out);
      const dest = path.join(out, format === 'zip' ? 'Half.zip' : 'Half');
      const c = run(dataDir, 'datasets.exportTo', { id, destPath: dest, format });
      // Killed while its temp is being written beside the destination (a folder: once it holds a few files).
      const partial = async () => (await fs.readdir(out)).find((n) => n.endsWith('.partial'));
      expect(await killWhen(c, async () => (await partial()) !== undefined && (format === 'zip' || (await count(path.join(out, (await partial())!))) >= 4))).toBe(true);
      expect(await fs.stat(dest).catch(() => null)).toBeNull();

      engine = await openEngine({ dataDir, workers: 1 });
      try {
        expect(await fs.readdir(out)).toEqual([]);
        // And the export, run again, is whole.
        const r = await engine.use(datasetsFeature).files.exportTo(id, dest, format);
        expect(r.files).toBe(IMAGES + 1);
        expect(await fs.readdir(out)).toEqual([path.basename(dest)]);
      } finally {
        await engine.close();
      }
    });
  }
});
