/**
 * The embeddings feature through its contract handlers and the queue, with the real
 * offline embedder on real grocery photos: extraction fills a project's index (per-image
 * progress; an unreadable image reported, never indexed), a rerun embeds nothing, the
 * index survives a restart, search finds the photo itself first and its own product
 * above others, one index per (scope, model), delete.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VectorIndexInfo } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { embeddingsFeature } from '../../../src-main/features/embeddings/public.js';
import { useEngine } from '../../support/engine.js';
import { classPhotos, copyInto, groceryMissing, sharedEmbedderCache } from './grocery-sample.js';

if (groceryMissing) console.warn(`embeddings feature tests skipped: ${groceryMissing}`);

describe.skipIf(groceryMissing)('embeddings feature on grocery photos', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });

  it('extracts a project into its index, reports a damaged image, skips on rerun, and searches after a restart', async () => {
    const folder = path.join(fx.dir, 'photos');
    const a = await copyInto(folder, classPhotos('train', 'Granny-Smith', 3), 'granny-');
    const b = await copyInto(folder, classPhotos('train', 'Arla-Standard-Milk', 3), 'milk-');
    await copyInto(folder, classPhotos('train', 'Banana', 1), 'banana-');
    const imported = await fx.importPaths(folder, 'shelf');
    const projectId = imported.projectId;
    const assets = fx.library.listAssets(projectId, 0, 100).items;
    expect(assets).toHaveLength(7);
    const byName = new Map(assets.map((x) => [x.fileName, x]));
    // The banana's stored bytes are damaged (disk corruption): it must be reported, not indexed.
    const banana = byName.get('banana-00.jpg')!;
    const bananaPath = fx.library.pathOf(banana);
    await fs.chmod(bananaPath, 0o644).catch(() => {});
    await fs.writeFile(bananaPath, Buffer.from('not a jpeg any more'));

    const engine = fx.engine;
    const api = engine.use(embeddingsFeature);
    const started = api.extraction.extract({ scope: { kind: 'project', projectId }, newIndexName: 'Shelf' });
    expect(started.existing).toBe(false);
    expect(started.index.state).toBe('extracting');
    const job = await engine.queue.waitFor(started.jobId);
    expect(job.state, job.error ?? '').toBe('completed');
    expect(engine.queue.get(started.jobId).result).toMatchObject({ total: 7, embedded: 6, failed: 1, vectors: 6 });
    const progress = fx.events.filter((e) => e.type === 'job.progress' && e.payload.jobId === started.jobId);
    expect(progress.some((e) => e.type === 'job.progress' && e.payload.stage === 'embedding')).toBe(true);

    const [index] = api.registry.list();
    expect(index).toMatchObject({ name: 'Shelf', vectors: 6, failed: 1, state: 'ready', modelId: 'atolye-mobilenet-v2-hsv' });
    const failures = api.extraction.failures(index!.id);
    expect(failures).toEqual([expect.objectContaining({ id: banana.id, errorCode: 'image_unreadable' })]);
    expect(api.registry.itemIds(index!.id).has(banana.id)).toBe(false);

    // A photo finds itself first (cosine 1) and its own product above the other one.
    const ids = (names: string[]) => names.map((f) => byName.get(path.basename(f))!.id);
    const [grannyIds, milkIds] = [ids(a), ids(b)];
    const q = api.vectors.get(index!.modelId, byName.get('granny-00.jpg')!.sha256)!;
    const hits = await api.search(index!.id, q, 6);
    expect(hits[0]).toMatchObject({ id: grannyIds[0] });
    expect(hits[0]!.score).toBeCloseTo(1, 4);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
    const score = new Map(hits.map((h) => [h.id, h.score]));
    const mean = (xs: string[]) => xs.reduce((s, id) => s + score.get(id)!, 0) / xs.length;
    expect(mean(grannyIds.slice(1))).toBeGreaterThan(mean(milkIds));

    // A rerun embeds nothing and keeps the same saved index; a second index for the scope is refused.
    const sha = api.registry.get(index!.id).blobSha256;
    const again = api.extraction.extract({ scope: { kind: 'project', projectId } });
    expect(again.index.id).toBe(index!.id);
    expect((await engine.queue.waitFor(again.jobId)).state).toBe('completed');
    expect(engine.queue.get(again.jobId).result).toMatchObject({ embedded: 0, failed: 1, vectors: null });
    expect(api.registry.get(index!.id).blobSha256).toBe(sha);
    expect(() => api.registry.create('Other', { kind: 'project', projectId }, index!.modelId, index!.dimension)).toThrow(/already covers/);

    // After a restart the index answers from its blob and rows, through the contract.
    const reopened = await fx.reopen();
    const call = createDispatcher(reopened);
    const viaContract = (await call('embeddings.search', { indexId: index!.id, imageId: milkIds[1]!, k: 3 })) as { id: string; score: number }[];
    expect(viaContract[0]).toMatchObject({ id: milkIds[1] });
    expect(milkIds).toContain(viaContract[1]!.id);
    const listed = (await call('embeddings.indexes', {})) as VectorIndexInfo[];
    expect(listed.map((i) => i.vectors)).toEqual([6]);

    // Rebuild from scratch: nothing to embed, same members; then delete.
    const api2 = reopened.use(embeddingsFeature);
    const rebuilt = api2.extraction.rebuild(index!.id);
    expect((await reopened.queue.waitFor(rebuilt.jobId)).state).toBe('completed');
    expect([...api2.registry.itemIds(index!.id)].sort()).toEqual([...grannyIds, ...milkIds].sort());
    expect(await call('embeddings.deleteIndex', { id: index!.id })).toEqual({ deleted: true });
    expect(await call('embeddings.indexes', {})).toEqual([]);
  }, 240_000);
});
