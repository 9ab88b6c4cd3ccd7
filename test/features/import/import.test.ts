import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { writeHugePng, writeJpegs } from '../../helpers/images.js';
import { tempDir } from '../../helpers/tmp.js';
import { api } from '../../support/engine.js';

describe('import into the library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 2 });
  });
  afterEach(async () => {
    await engine.close().catch(() => {});
    await cleanup();
  });

  it('turns a dropped folder of 20 images into a project with 20 thumbnails', async () => {
    const folder = path.join(dir, 'Ürün Fotoğrafları');
    await writeJpegs(path.join(folder, 'alt klasör'), 5);
    await writeJpegs(folder, 15, 'top');
    const started = await api(engine).imports.start({ paths: [folder] });
    const done = await api(engine).imports.wait(started.importId);
    expect(done).toMatchObject({ state: 'done', total: 20, processed: 20, imported: 20, skipped: 0, duplicates: 0 });

    const project = api(engine).library.getProject(done.projectId);
    expect(project.name).toBe('Ürün Fotoğrafları');
    expect(project.assetCount).toBe(20);
    const page = api(engine).library.listAssets(project.id, 0, 100);
    expect(page.total).toBe(20);
    expect(page.items.map((a) => a.relPath)).toContain('alt klasör/img-000.jpg');
    for (const asset of page.items) {
      const thumb = engine.media(asset.id, 'thumb');
      expect(thumb?.contentType).toBe('image/webp');
      const meta = await sharp(thumb!.path).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(320);
      const original = engine.media(asset.id, 'original');
      expect((await fs.stat(original!.path)).size).toBe(asset.bytes);
    }
  });

  it('records bad files as skipped with a reason and imports the rest', async () => {
    const folder = path.join(dir, 'mixed');
    const [good] = await writeJpegs(folder, 2);
    await fs.writeFile(path.join(folder, 'empty.jpg'), '');
    await fs.writeFile(path.join(folder, 'notes.jpg'), 'this is a text file, not a JPEG\n');
    const whole = await fs.readFile(good!);
    await fs.writeFile(path.join(folder, 'truncated.jpg'), whole.subarray(0, Math.floor(whole.length / 2)));
    await writeHugePng(path.join(folder, 'bomb.png'));
    await fs.copyFile(good!, path.join(folder, 'same file again çğış.jpg'));

    const done = await api(engine).imports.wait((await api(engine).imports.start({ paths: [folder] })).importId);
    expect(done).toMatchObject({ state: 'done', total: 7, imported: 2, duplicates: 1, skipped: 4 });
    const reasons = Object.fromEntries(api(engine).imports.listSkipped(done.projectId).map((s) => [s.fileName, s.reason]));
    expect(reasons['empty.jpg']).toMatch(/empty file/);
    expect(reasons['notes.jpg']).toMatch(/not a decodable image/);
    expect(reasons['truncated.jpg']).toMatch(/corrupt or truncated/);
    expect(reasons['bomb.png']).toMatch(/20000×20000.*over the 100 MP limit/);
  });

  it('applies EXIF orientation to the recorded size and the thumbnail', async () => {
    const folder = path.join(dir, 'exif');
    await fs.mkdir(folder);
    // Stored 80×40 with orientation 6 (rotate 90° clockwise): displayed 40×80.
    await sharp({ create: { width: 80, height: 40, channels: 3, background: '#c33' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(path.join(folder, 'rotated.jpg'));
    const done = await api(engine).imports.wait((await api(engine).imports.start({ paths: [folder] })).importId);
    const [asset] = api(engine).library.listAssets(done.projectId, 0, 10).items;
    expect([asset!.width, asset!.height]).toEqual([40, 80]);
    const thumb = await sharp(engine.media(asset!.id, 'thumb')!.path).metadata();
    expect(thumb.height! > thumb.width!).toBe(true);
  });

  it('renames, deletes (removing files no one else uses) and keeps everything across a restart', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const files = await writeJpegs(a, 3);
    await fs.mkdir(b);
    await fs.copyFile(files[0]!, path.join(b, 'shared.jpg'));
    const pa = await api(engine).imports.wait((await api(engine).imports.start({ paths: [a] })).importId);
    const pb = await api(engine).imports.wait((await api(engine).imports.start({ paths: [b] })).importId);
    api(engine).library.renameProject(pa.projectId, 'Kış kataloğu');

    await engine.close();
    // No grace for re-put blobs: nothing else runs here, so the collector removes at once what it may.
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1, blobs: { graceMs: 0 } });
    const projects = api(engine).library.listProjects();
    expect(projects.map((p) => p.name).sort()).toEqual(['Kış kataloğu', 'b']);
    expect(api(engine).library.getProject(pa.projectId).assetCount).toBe(3);

    const sharedAsset = api(engine).library.listAssets(pb.projectId, 0, 10).items[0]!;
    const sharedPath = engine.media(sharedAsset.id, 'original')!.path;
    const onlyInA = api(engine).library.listAssets(pa.projectId, 0, 10).items.filter((x) => x.sha256 !== sharedAsset.sha256);
    const onlyInAPaths = onlyInA.map((x) => engine.media(x.id, 'original')!.path);

    const removed = await api(engine).library.deleteProject(pa.projectId);
    expect(removed).toBe(4); // 2 originals + 2 of their thumbnails; the shared file and its thumbnail stay
    expect(api(engine).library.listProjects().map((p) => p.name)).toEqual(['b']);
    await expect(fs.access(sharedPath)).resolves.toBeUndefined();
    for (const p of onlyInAPaths) await expect(fs.access(p)).rejects.toThrow();
    expect(() => api(engine).library.getProject(pa.projectId)).toThrow(/no project/);
  });

  it('refuses an import of a path that does not exist before making a project, with a clear error', async () => {
    const before = api(engine).library.listProjects().length;
    await expect(api(engine).imports.start({ paths: [path.join(dir, 'nowhere')], projectName: 'x' })).rejects.toThrow(/nowhere: no such file or folder; nothing was imported/);
    expect(api(engine).library.listProjects().length).toBe(before);
    expect(api(engine).library.listProjects().map((p) => p.name)).not.toContain('x');
  });
});
