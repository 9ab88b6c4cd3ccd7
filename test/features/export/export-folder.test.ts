/**
 * Export to a folder (the desktop app's "Export to folder…", and the CLI): the ZIP's
 * layout written as files into a new folder named after the project, never into an
 * earlier export, each file verified against its sha256, and nothing left behind when a
 * library file turns out damaged.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { useEngine } from '../../support/engine.js';

async function photos(dir: string, n: number): Promise<string> {
  const root = path.join(dir, 'Çekim');
  await fs.mkdir(path.join(root, 'raf'), { recursive: true });
  for (let i = 0; i < n; i++) {
    await sharp({ create: { width: 32 + i, height: 24, channels: 3, background: { r: i * 40, g: 90, b: 200 - i * 30 } } })
      .jpeg()
      .toFile(path.join(root, i % 2 ? 'raf' : '', `ürün ${i}.jpg`));
  }
  return root;
}

const sha = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(root, { recursive: true, withFileTypes: true })) if (e.isFile()) out.push(path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  return out.sort();
}

describe('export to a folder', () => {
  const fx = useEngine();

  it('writes the originals into a new folder named after the project, byte for byte, and a second export beside it', async () => {
    const progress = await fx.importPaths(await photos(fx.dir, 3), 'Raf / Çekim: 1');
    const projectId = progress.projectId!;
    const dest = path.join(fx.dir, 'out');
    await fs.mkdir(dest);
    const call = createDispatcher(fx.engine);
    const first = (await call('export.projectFolder', { projectId, destDir: dest, options: { include: 'originals' } })) as { path: string; files: number; bytes: number };
    // A name with a slash and a colon becomes one portable folder name.
    expect(first.path).toBe(path.join(dest, 'Raf _ Çekim_ 1'));
    expect(first.files).toBe(3);
    expect(await filesUnder(first.path)).toEqual(['originals/raf/ürün 1.jpg', 'originals/ürün 0.jpg', 'originals/ürün 2.jpg']);
    const assets = fx.library.listAssets(projectId, 0, 10).items;
    for (const a of assets) expect(await sha(path.join(first.path, 'originals', ...a.relPath.split('/')))).toBe(a.sha256);
    expect(first.bytes).toBe(assets.reduce((s, a) => s + a.bytes, 0));

    const second = (await call('export.projectFolder', { projectId, destDir: dest, options: {} })) as { path: string };
    expect(second.path).toBe(path.join(dest, 'Raf _ Çekim_ 1 (2)'));
    expect((await fs.readdir(dest)).sort()).toEqual(['Raf _ Çekim_ 1', 'Raf _ Çekim_ 1 (2)']);
  });

  it('stops on a damaged library file, names it, and leaves no partial folder', async () => {
    const progress = await fx.importPaths(await photos(fx.dir, 2), 'Bozuk');
    const projectId = progress.projectId!;
    const victim = fx.library.listAssets(projectId, 0, 10).items[0]!;
    const file = fx.library.pathOf(victim);
    await fs.chmod(file, 0o644).catch(() => {});
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff; // same size, different content
    await fs.writeFile(file, bytes);
    const dest = path.join(fx.dir, 'out2');
    await fs.mkdir(dest);
    const call = createDispatcher(fx.engine);
    await expect(call('export.projectFolder', { projectId, destDir: dest, options: {} })).rejects.toThrow(new RegExp(`${victim.fileName}.*sha256`));
    expect(await fs.readdir(dest)).toEqual([]);
  });

  it('refuses a destination that is not a folder', async () => {
    const progress = await fx.importPaths(await photos(fx.dir, 1), 'Tek');
    const call = createDispatcher(fx.engine);
    await expect(call('export.projectFolder', { projectId: progress.projectId!, destDir: path.join(fx.dir, 'nope'), options: {} })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
