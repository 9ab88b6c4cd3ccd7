/**
 * The grid's selection store against a real engine (in-process, through the contract's
 * dispatcher): Ctrl+click toggles, Shift+click takes a range in import order across
 * pages of the grid, select-all takes every image, and a selection belongs to one project.
 */
import path from 'node:path';
import { QueryClient } from '@tanstack/react-query';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Asset, EngineEvent, MethodInput, MethodName, MethodOutput } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { RendererBackend } from '../../../src-renderer/backend/index.js';
import { PAGE_SIZE } from '../../../src-renderer/features/library/queries.js';
import { createSelectionStore } from '../../../src-renderer/features/library/selection-store.js';
import { writeJpegs } from '../../helpers/images.js';
import { useEngine } from '../../support/engine.js';

/** The renderer's view of the engine, as the web and Electron backends give it, minus what these tests do not touch. */
function inProcessBackend(call: ReturnType<typeof createDispatcher>): RendererBackend {
  return {
    kind: 'web',
    connection: 'open',
    call: <M extends MethodName>(name: M, input: MethodInput<M>) => call(name, input) as Promise<MethodOutput<M>>,
    subscribe: (_listener: (event: EngineEvent) => void) => () => undefined,
    mediaUrl: (assetId, variant) => `/media/${variant}/${assetId}`,
    onConnection: () => () => undefined,
  };
}

describe('selection store', () => {
  const fx = useEngine({ scope: 'all' });
  // More images than one page of the grid, so a range can straddle two.
  const COUNT = PAGE_SIZE + 6;
  let projectId = '';
  let otherProjectId = '';
  let assets: Asset[] = [];
  let backend: RendererBackend;

  beforeAll(async () => {
    const files = await writeJpegs(path.join(fx.dir, 'in', 'Raf'), COUNT, 'raf');
    const imported = await fx.importPaths(path.dirname(files[0]!), 'Raf');
    expect(imported).toMatchObject({ state: 'done', imported: COUNT });
    projectId = imported.projectId;
    await writeJpegs(path.join(fx.dir, 'in', 'Tek'), 1, 'tek');
    otherProjectId = (await fx.importPaths(path.join(fx.dir, 'in', 'Tek'), 'Tek')).projectId;
    backend = inProcessBackend(createDispatcher(fx.engine));
    const pages = await Promise.all([0, 1].map((page) => backend.call('assets.list', { projectId, offset: page * PAGE_SIZE, limit: PAGE_SIZE })));
    assets = pages.flatMap((p) => p.items);
    expect(assets).toHaveLength(COUNT);
  }, 300_000);

  it('toggles one image at a time and keeps the last one as the anchor; another project sees none of it', () => {
    const store = createSelectionStore();
    store.toggleSelected(projectId, assets[3]!.id, 3);
    store.toggleSelected(projectId, assets[5]!.id, 5);
    expect([...store.selectionOf(projectId).ids]).toEqual([assets[3]!.id, assets[5]!.id]);
    expect(store.selectionOf(projectId).anchor).toBe(5);
    store.toggleSelected(projectId, assets[3]!.id, 3);
    expect([...store.selectionOf(projectId).ids]).toEqual([assets[5]!.id]);
    expect(store.selectionOf(otherProjectId).ids.size).toBe(0);
    // A click in another project starts over there.
    store.toggleSelected(otherProjectId, 'x', 0);
    expect(store.selectionOf(projectId).ids.size).toBe(0);
    store.clearSelection();
    expect(store.get()).toMatchObject({ projectId: null, anchor: null });
    expect(store.get().ids.size).toBe(0);
  });

  it('Shift+click adds the range from the anchor in import order, across two pages of the grid, in either direction', async () => {
    const store = createSelectionStore();
    const queryClient = new QueryClient();
    const from = PAGE_SIZE - 3;
    const to = PAGE_SIZE + 2;
    store.toggleSelected(projectId, assets[from]!.id, from);
    await store.extendSelection(queryClient, backend, projectId, to);
    expect([...store.selectionOf(projectId).ids].sort()).toEqual(assets.slice(from, to + 1).map((a) => a.id).sort());
    expect(store.selectionOf(projectId).anchor).toBe(from);

    // Backwards from the same anchor, keeping what was selected.
    await store.extendSelection(queryClient, backend, projectId, 1);
    const ids = store.selectionOf(projectId).ids;
    expect(ids.size).toBe(to + 1 - 1);
    expect(ids.has(assets[0]!.id)).toBe(false);
    expect(ids.has(assets[1]!.id)).toBe(true);
    expect(ids.has(assets[to + 1]!.id)).toBe(false);
  });

  it('select-all takes every image of the project, fetching the pages the grid has not loaded', async () => {
    const store = createSelectionStore();
    const queryClient = new QueryClient();
    await store.selectAll(queryClient, backend, projectId, COUNT);
    expect(store.selectionOf(projectId).ids).toEqual(new Set(assets.map((a) => a.id)));
    await store.selectAll(queryClient, backend, otherProjectId, 0);
    expect(store.selectionOf(projectId).ids.size).toBe(COUNT);
  });
});
