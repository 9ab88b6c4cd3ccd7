/** An image deleted while its background-removal job waits is skipped: the run completes, nothing is recorded for it, and an undo leaves it as it was (no stale failure). */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { expect, it, describe } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { useEngine } from '../../support/engine.js';

const svg = (c: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><rect width="100%" height="100%" fill="#f4f1ec"/><rect x="70" y="40" width="60" height="120" fill="${c}"/></svg>`);

describe('remove background while an image is deleted', () => {
  const fx = useEngine();
  it('the run does not fail because the user deleted one of its images', { timeout: 120_000 }, async () => {
    const folder = path.join(fx.dir, 'shots');
    await fs.mkdir(folder);
    for (const [i, c] of ['#c0262d', '#1f4fa8', '#2a9d3a', '#aa8800'].entries()) await sharp(svg(c)).jpeg().toFile(path.join(folder, `s${i}.jpg`));
    const { projectId } = await fx.importPaths(folder);
    const ids = fx.library.listAssets(projectId, 0, 10).items.map((a) => a.id);
    const call = createDispatcher(fx.engine);
    const { runId } = (await call('remove-background.run', { projectId, assetIds: ids, options: { preset: 'cutout' } })) as { runId: string };
    const del = fx.library.deleteAssets([ids[3]!]);
    expect(del.deleted).toBe(1);
    const done = await fx.removeBackground.wait(runId);
    expect(done.state).toBe('done');
    fx.library.restoreAssets(del.undoToken!);
    const back = fx.library.listAssets(projectId, 0, 10).items.find((a) => a.id === ids[3]);
    expect(back).toBeDefined();
    expect(fx.engine.db.prepare('SELECT COUNT(*) FROM remove_background_failures WHERE source_asset_id = ?').pluck().get(ids[3])).toBe(0);
    expect(fx.engine.db.prepare("SELECT COUNT(*) FROM assets WHERE source_asset_id = ? AND kind != 'thumbnail' AND deleted = 0").pluck().get(ids[3])).toBe(0);
  });
});
