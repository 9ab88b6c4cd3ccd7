/**
 * The gallery's engine side: a project's images listed sorted, filtered and searched on
 * the server (so 10,000 images stay cheap), deleted with their results and brought back
 * by the undo token, and moved between projects with their results.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Asset, AssetListInput, ListedAsset } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { UNDO_WINDOW_MS } from '../../../src-main/features/library/library.js';
import { useEngine } from '../../support/engine.js';

/** Images of different sizes and colours (so different bytes), in folders. */
async function makeImages(dir: string, names: readonly string[]): Promise<string> {
  const root = path.join(dir, 'shoot');
  for (const [i, name] of names.entries()) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    const side = 40 + i * 16;
    await sharp({ create: { width: side, height: side, channels: 3, background: { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 } } })
      .png()
      .toFile(path.join(root, name));
  }
  return root;
}

describe('assets: sort, filter, search, delete with undo, move', () => {
  const fx = useEngine();
  const call = () => createDispatcher(fx.engine);
  const list = async (input: Omit<AssetListInput, 'projectId'> & { projectId: string }) => (await call()('assets.list', input)) as { items: ListedAsset[]; total: number };
  const names = (r: { items: Asset[] }) => r.items.map((a) => a.fileName);
  /** A project's originals by file name (the import's order is the scan's, not the order given). */
  const byName = (projectId: string) => new Map(fx.library.listAssets(projectId, 0, 100).items.map((a) => [a.fileName, a]));

  /** A derived image of an original, as a feature would record it (a result and its thumbnail). */
  function addResult(original: Asset, operation = 'remove-background'): string {
    const seq = fx.engine.db.prepare('SELECT seq FROM assets WHERE id = ?').pluck().get(original.id) as number;
    const id = fx.library.insertAsset({
      projectId: original.projectId,
      kind: 'cutout',
      sha256: original.sha256.replace(/^./, 'f'),
      ext: 'png',
      fileName: `${original.fileName}.cutout.png`,
      relPath: `${original.relPath}.cutout.png`,
      width: original.width,
      height: original.height,
      format: 'png',
      bytes: 10,
      seq,
      sourceAssetId: original.id,
      operation,
      paramsHash: 'p',
    });
    fx.library.insertAsset({ projectId: original.projectId, kind: 'thumbnail', sha256: original.sha256.replace(/^./, 'e'), ext: 'webp', fileName: 't.webp', relPath: 't.webp', width: 8, height: 8, format: 'webp', bytes: 5, seq, sourceAssetId: id, operation: 'thumbnail' });
    return id;
  }

  it('lists by name, date, size and import order, either way, searches names and folders, and pages through the result', async () => {
    const files = ['b/Kiwi_2.png', 'a/apple_10.png', 'a/Apple_1.png', 'c/melon.png', 'c/Orange 50%.png', 'ç/IŞIK Çay.png'];
    const done = await fx.importPaths(await makeImages(fx.dir, files));
    expect(done.imported).toBe(6);
    const projectId = done.projectId;
    const all = await list({ projectId });
    expect(all.total).toBe(6);
    const byName = await list({ projectId, sort: 'name' });
    // Case does not split the order: apple_10 and Apple_1 sit together.
    expect(names(byName).map((n) => n.toLowerCase())).toEqual(['apple_1.png', 'apple_10.png', 'işik çay.png', 'kiwi_2.png', 'melon.png', 'orange 50%.png']);
    expect(names(await list({ projectId, sort: 'name', order: 'desc' }))).toEqual(names(byName).reverse());
    const bySize = (await list({ projectId, sort: 'size' })).items.map((a) => a.bytes);
    expect(bySize).toEqual([...bySize].sort((x, y) => x - y));
    expect((await list({ projectId, sort: 'size', order: 'desc' })).items.map((a) => a.bytes)).toEqual([...bySize].reverse());
    const byDate = (await list({ projectId, sort: 'date' })).items.map((a) => a.createdAt);
    expect(byDate).toEqual([...byDate].sort((x, y) => x - y));

    expect(names(await list({ projectId, query: 'APPLE', sort: 'name' }))).toEqual(['Apple_1.png', 'apple_10.png']);
    expect(names(await list({ projectId, query: 'a/' }))).toHaveLength(2); // the folder
    // LIKE's wildcards are the user's characters here, not patterns.
    expect(names(await list({ projectId, query: '50%' }))).toEqual(['Orange 50%.png']);
    expect(names(await list({ projectId, query: '_1' }))).toEqual(expect.arrayContaining(['Apple_1.png', 'apple_10.png']));
    expect((await list({ projectId, query: '_1' })).total).toBe(2);
    expect((await list({ projectId, query: 'nothing like it' })).total).toBe(0);
    // Turkish and accents: folded on both sides.
    expect(names(await list({ projectId, query: 'ışık çay' }))).toEqual(['IŞIK Çay.png']);
    expect(names(await list({ projectId, query: 'isik cay' }))).toEqual(['IŞIK Çay.png']);
    expect((await list({ projectId, query: 'Ç/' })).total).toBe(3); // accent-blind: the folders ç/ and c/

    const page = await list({ projectId, sort: 'name', offset: 2, limit: 2 });
    expect(page.total).toBe(6);
    expect(names(page)).toEqual(names(byName).slice(2, 4));
  }, 60_000);

  it("filters by the remove-background feature's state and names each original's newest result", async () => {
    const done = await fx.importPaths(await makeImages(fx.dir, ['one.png', 'two.png', 'three.png']));
    const projectId = done.projectId;
    const one = byName(projectId).get('one.png')!;
    const two = byName(projectId).get('two.png')!;
    const result = addResult(one);
    expect(names(await list({ projectId, filter: 'has_result' }))).toEqual(['one.png']);
    expect(names(await list({ projectId, filter: 'no_result', sort: 'name' }))).toEqual(['three.png', 'two.png']);
    expect((await list({ projectId, sort: 'name' })).items.map((a) => a.latestResultId)).toEqual([result, null, null]);
    // A failure recorded for an image (by a run) is what the failed filter finds.
    fx.engine.db.prepare('INSERT INTO remove_background_failures (source_asset_id, run_id, error, error_code, failed_at) VALUES (?, NULL, ?, ?, ?)').run(two.id, 'x', 'image_unreadable', Date.now());
    expect(names(await list({ projectId, filter: 'failed' }))).toEqual(['two.png']);
    expect(names(await list({ projectId, filter: 'needs_review' }))).toEqual([]);
    await expect(call()('assets.list', { projectId, filter: 'sparkly' })).rejects.toMatchObject({ code: 'invalid_input' });
  }, 60_000);

  it('deletes the selected images with their results; the token brings them back; the files stay until the undo runs out', async () => {
    const done = await fx.importPaths(await makeImages(fx.dir, ['keep.png', 'gone.png', 'also-gone.png']));
    const projectId = done.projectId;
    const [keep, gone, alsoGone] = ['keep.png', 'gone.png', 'also-gone.png'].map((n) => byName(projectId).get(n)!) as [Asset, Asset, Asset];
    const result = addResult(gone);
    for (const prefix of ['f', 'e']) {
      const file = fx.engine.store.pathOf(gone.sha256.replace(/^./, prefix));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, 'result bytes');
    }

    const deleted = (await call()('assets.delete', { ids: [gone.id, alsoGone.id] })) as { deleted: number; undoToken: string; undoUntil: number };
    expect(deleted.deleted).toBe(2);
    expect(deleted.undoUntil).toBeGreaterThan(Date.now() + UNDO_WINDOW_MS - 5000);
    expect(names(await list({ projectId }))).toEqual(['keep.png']);
    expect((await call()('projects.get', { id: projectId })) as { assetCount: number }).toMatchObject({ assetCount: 1 });
    await expect(call()('assets.get', { id: result })).rejects.toMatchObject({ code: 'not_found' });
    expect(fx.events.some((e) => e.type === 'projects.changed' && e.payload.projectId === projectId)).toBe(true);
    // The files are kept while the delete can be undone.
    expect(await fx.engine.store.has(gone.sha256)).toBe(true);

    expect(await call()('assets.restore', { undoToken: deleted.undoToken })).toEqual({ restored: 2, refused: [] });
    expect(names(await list({ projectId, sort: 'name' }))).toEqual(['also-gone.png', 'gone.png', 'keep.png']);
    expect(((await call()('assets.get', { id: result })) as Asset).sourceAssetId).toBe(gone.id);
    await expect(call()('assets.restore', { undoToken: deleted.undoToken })).rejects.toMatchObject({ code: 'not_found' });

    // A single result can go alone; its original stays.
    const onlyResult = (await call()('assets.delete', { ids: [result] })) as { deleted: number };
    expect(onlyResult.deleted).toBe(1);
    expect(names(await list({ projectId }))).toHaveLength(3);
    expect((await list({ projectId })).items.every((a) => a.latestResultId === null)).toBe(true);

    // After the window: the token no longer undoes, and the files nothing else uses leave the
    // store (the original's and its result's: removed, or handed to the engine's blob collector).
    const again = (await call()('assets.delete', { ids: [gone.id] })) as { undoToken: string };
    expect(await fx.library.purgeDeleted(Date.now() - 1000)).toBe(0); // still within the window
    // The original and its import thumbnail, the result and its thumbnail.
    expect(await fx.library.purgeDeleted(Date.now() + UNDO_WINDOW_MS + 1)).toBe(4);
    expect(await fx.library.purgeDeleted(Date.now() + UNDO_WINDOW_MS + 1)).toBe(0);
    expect(await fx.engine.store.has(keep.sha256)).toBe(true);
    await expect(call()('assets.restore', { undoToken: again.undoToken })).rejects.toMatchObject({ code: 'not_found' });
  }, 60_000);

  it('an undo leaves out an original imported again meanwhile, and says why', async () => {
    const folder = await makeImages(fx.dir, ['twice.png']);
    const first = await fx.importPaths(folder);
    const [twice] = fx.library.listAssets(first.projectId, 0, 10).items as [Asset];
    const { undoToken } = (await call()('assets.delete', { ids: [twice.id] })) as { undoToken: string };
    const again = await fx.imports.wait((await fx.imports.start({ paths: [folder], projectId: first.projectId })).importId);
    expect(again.imported).toBe(1);
    expect(await call()('assets.restore', { undoToken })).toEqual({ restored: 0, refused: [{ id: twice.id, code: 'duplicate', reason: expect.any(String) }] });
    expect((await list({ projectId: first.projectId })).total).toBe(1);
  }, 60_000);

  it('moves originals with their results to another project, after its images; the same bytes there already stay put', async () => {
    const a = await fx.importPaths(await makeImages(fx.dir, ['x.png', 'y.png', 'z.png']), 'A');
    const [x, y, z] = ['x.png', 'y.png', 'z.png'].map((n) => byName(a.projectId).get(n)!) as [Asset, Asset, Asset];
    const result = addResult(x);
    const other = await fs.mkdtemp(path.join(fx.dir, 'b-'));
    await fs.copyFile(path.join(fx.dir, 'shoot', 'z.png'), path.join(other, 'z-copy.png'));
    await sharp({ create: { width: 9, height: 9, channels: 3, background: '#123456' } }).png().toFile(path.join(other, 'first.png'));
    const b = await fx.importPaths(other, 'B');

    const moved = (await call()('assets.move', { ids: [x.id, z.id, result], projectId: b.projectId })) as { moved: number; refused: { id: string; code: string }[] };
    expect(moved.moved).toBe(1);
    expect(moved.refused).toEqual([
      { id: z.id, code: 'duplicate', reason: expect.any(String) },
      { id: result, code: 'not_original', reason: expect.any(String) },
    ]);
    expect(names(await list({ projectId: a.projectId }))).toEqual(['y.png', 'z.png']);
    expect(names(await list({ projectId: b.projectId }))).toEqual(['first.png', 'z-copy.png', 'x.png']);
    const movedResult = (await call()('assets.get', { id: result })) as Asset;
    expect(movedResult.projectId).toBe(b.projectId);
    expect((await list({ projectId: b.projectId, filter: 'has_result' })).items.map((i) => i.id)).toEqual([x.id]);
    // Its thumbnail went too: the grid of B shows it.
    expect(fx.library.media(x.id, 'thumb')).not.toBeNull();
    expect(fx.engine.db.prepare('SELECT COUNT(*) FROM assets WHERE project_id = ? AND deleted = 0').pluck().get(a.projectId)).toBe(4); // y, z and their thumbnails
    expect(((await call()('projects.get', { id: b.projectId })) as { assetCount: number }).assetCount).toBe(3);
    await expect(call()('assets.move', { ids: [y.id], projectId: '01900000-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found' });
    expect(y.projectId).toBe(a.projectId);
  }, 60_000);
});
