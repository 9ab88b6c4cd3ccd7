import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatch } from '../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import type { Batch, Job, JobDetail, QueueControl, QueueStats } from '../../src-shared/contract/index.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { api } from '../support/engine.js';

describe('the queue over the contract', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let call: Dispatch;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    call = createDispatcher(engine);
  });
  afterEach(async () => {
    await engine.close();
    await cleanup();
  });

  it('lists an import as a batch of jobs, with stats, and takes the controls', async () => {
    const folder = path.join(dir, 'photos');
    await writeJpegs(folder, 6);
    const started = await api(engine).imports.start({ paths: [folder] });
    await api(engine).imports.wait(started.importId);

    const batch = (await call('queue.batch', { id: started.importId })) as Batch;
    expect(batch).toMatchObject({ type: 'import', label: 'photos', state: 'completed', total: 7, completed: 7, projectId: started.projectId });
    const files = (await call('queue.list', { type: 'import.file', projectId: started.projectId })) as { items: Job[]; total: number };
    expect(files.total).toBe(6);
    expect(files.items.map((j) => j.label).sort()).toEqual(['img-000.jpg', 'img-001.jpg', 'img-002.jpg', 'img-003.jpg', 'img-004.jpg', 'img-005.jpg']);
    expect(files.items.every((j) => j.state === 'completed' && j.resource === 'cpu' && j.batchId === started.importId)).toBe(true);
    const detail = (await call('queue.get', { id: files.items[0]!.id })) as JobDetail;
    expect(detail.payload).toMatchObject({ importId: started.importId });
    expect(detail.result).toMatchObject({ ok: true });

    const stats = (await call('queue.stats', {})) as QueueStats;
    expect(stats.counts.completed).toBe(7);
    expect(stats.types.map((t) => t.type)).toEqual(['import.file', 'import.scan']);
    expect(stats.types[0]!.meanDurationMs).not.toBeNull();

    expect((await call('queue.pause', {})) as QueueControl).toEqual({ paused: true, batch: null });
    expect(((await call('queue.stats', {})) as QueueStats).paused).toBe(true);
    expect((await call('queue.resume', {})) as QueueControl).toEqual({ paused: false, batch: null });
    expect(await call('queue.retryFailedBatch', { batchId: started.importId })).toMatchObject({ retried: 0, batch: { state: 'completed' } });
    expect(await call('queue.clearFinished', { states: ['completed'] })).toEqual({ removed: 7 });
    await expect(call('queue.cancel', { id: files.items[0]!.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('queue.list', { state: 'sleeping' })).rejects.toMatchObject({ code: 'invalid_input' });
    // The import's own record stays: the queue's rows were only the means.
    expect(api(engine).imports.get(started.importId)).toMatchObject({ state: 'done', imported: 6 });
  });

  it('cancelling an import batch ends the import, and its files are not imported', async () => {
    const folder = path.join(dir, 'many');
    await writeJpegs(folder, 30);
    engine.queue.pause(); // hold everything so the cancel lands before any file ran
    const started = await api(engine).imports.start({ paths: [folder] });
    const batch = (await call('queue.cancelBatch', { id: started.importId })) as Batch;
    expect(batch).toMatchObject({ state: 'cancelled', total: 1, cancelled: 1 });
    engine.queue.resume();
    expect(await api(engine).imports.wait(started.importId)).toMatchObject({ state: 'failed', error: 'cancelled', imported: 0 });
    expect(api(engine).library.getProject(started.projectId).assetCount).toBe(0);
    // Retrying the batch brings the import back to life.
    expect(engine.queue.list({ batchId: started.importId }).items[0]!.state).toBe('cancelled');
    engine.queue.retry(engine.queue.list({ batchId: started.importId }).items[0]!.id);
    expect(api(engine).imports.get(started.importId).state).toBe('scanning');
    expect(await api(engine).imports.wait(started.importId)).toMatchObject({ state: 'done', imported: 30 });
  });
});
