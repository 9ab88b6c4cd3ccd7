import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths, engineRuntimeChoice, isNetworkUrl } from '../../src-main/electron/app-paths.js';
import { languageFor, NotifiedOnce, notificationFor } from '../../src-main/electron/notifications.js';
import type { EngineEvent } from '../../src-shared/contract/index.js';

const progress = (state: string, extra: Record<string, unknown> = {}) =>
  ({
    type: 'import.progress',
    payload: { importId: 'i', projectId: 'p', state, total: 5, processed: 5, imported: 3, duplicates: 1, skipped: 1, error: null, ...extra },
  }) as unknown as EngineEvent;

const ctx = (locale = 'en-US') => ({ locale, projectName: async (id: string) => (id === 'p' ? 'Ürün Fotoğrafları' : null) });

describe('OS notifications', () => {
  it('announce a finished import with its counts', async () => {
    expect(await notificationFor(progress('done'), ctx())).toMatchObject({ title: 'Import finished: Ürün Fotoğrafları', body: '3 images imported · 1 duplicate · 1 skipped' });
    expect(await notificationFor(progress('done', { imported: 1, duplicates: 0, skipped: 0 }), ctx())).toMatchObject({ title: 'Import finished: Ürün Fotoğrafları', body: '1 image imported' });
  });

  it('speak Turkish to a Turkish system', async () => {
    expect(await notificationFor(progress('done'), ctx('tr-TR'))).toMatchObject({ title: 'İçe aktarma bitti: Ürün Fotoğrafları', body: '3 görsel içe aktarıldı · 1 yinelenen · 1 atlandı' });
    expect(languageFor('tr')).toBe('tr');
    expect(languageFor('de-DE')).toBe('en');
  });

  it('announce a failed import with the error', async () => {
    expect(await notificationFor(progress('failed', { error: 'not found: /x' }), ctx())).toMatchObject({ title: 'Import failed: Ürün Fotoğrafları', body: 'not found: /x' });
  });

  it('stay quiet while an import runs, and for other events', async () => {
    for (const state of ['scanning', 'running', 'interrupted']) expect(await notificationFor(progress(state), ctx())).toBeNull();
    expect(await notificationFor({ type: 'projects.changed', payload: { projectId: null } } as EngineEvent, ctx())).toBeNull();
  });

  it('survive a project that cannot be looked up', async () => {
    const broken = { locale: 'en', projectName: async () => Promise.reject(new Error('engine restarting')) };
    expect(await notificationFor(progress('done'), broken)).toMatchObject({ title: 'Import finished: ' });
  });

  const batch = (type: 'batch.completed' | 'batch.failed' | 'batch.progress', extra: Record<string, unknown> = {}) =>
    ({
      type,
      payload: {
        id: 'b', type: 'cutout', label: 'Cut-outs on white', projectId: 'p', state: 'completed', total: 120, completed: 118, failed: 0, cancelled: 2,
        paused: false, createdAt: 1, updatedAt: 2, finishedAt: 2, ...extra,
      },
    }) as unknown as EngineEvent;

  it('announce a finished queue batch with its counts and project', async () => {
    expect(await notificationFor(batch('batch.completed'), ctx())).toMatchObject({ title: 'Batch finished: Cut-outs on white · Ürün Fotoğrafları', body: '118 done · 2 cancelled' });
    expect(await notificationFor(batch('batch.completed', { label: null, projectId: null, cancelled: 0 }), ctx('tr'))).toMatchObject({ title: 'Toplu iş bitti: cutout', body: '118 tamamlandı' });
  });

  it('say so when a batch ends with failures', async () => {
    expect(await notificationFor(batch('batch.failed', { failed: 5, completed: 113, cancelled: 0 }), ctx())).toMatchObject({ title: 'Batch finished with failures: Cut-outs on white · Ürün Fotoğrafları', body: '113 done · 5 failed' });
  });

  it('say nothing twice: an import batch is announced by its import event', async () => {
    expect(await notificationFor(batch('batch.completed', { type: 'import', label: 'Ürün Fotoğrafları' }), ctx())).toBeNull();
  });

  it('stay quiet for batch progress and single jobs', async () => {
    expect(await notificationFor(batch('batch.progress'), ctx())).toBeNull();
    const job = { type: 'job.failed', payload: { jobId: 'j', type: 'cutout', label: null, batchId: 'b', projectId: 'p', state: 'failed', attempt: 1, error: 'x', errorKind: null, durationMs: 1, runAt: null } } as unknown as EngineEvent;
    expect(await notificationFor(job, ctx())).toBeNull();
  });
});

describe('app layout and switches', () => {
  it('puts every built piece where the build writes it', () => {
    expect(appPaths('/opt/Atölye/resources/app.asar')).toEqual({
      renderer: path.join('/opt/Atölye/resources/app.asar', 'dist/renderer'),
      preload: path.join('/opt/Atölye/resources/app.asar', 'dist/preload/preload.cjs'),
      engineHost: path.join('/opt/Atölye/resources/app.asar', 'dist/src-main/engine-host/main.js'),
      icon: path.join('/opt/Atölye/resources/app.asar', 'resources/icon.png'),
    });
  });
  it('reads ATOLYE_ENGINE_RUNTIME', () => {
    expect(engineRuntimeChoice({})).toBe('auto');
    expect(engineRuntimeChoice({ ATOLYE_ENGINE_RUNTIME: 'Node' })).toBe('node');
    expect(engineRuntimeChoice({ ATOLYE_ENGINE_RUNTIME: 'utility' })).toBe('utility');
    expect(engineRuntimeChoice({ ATOLYE_ENGINE_RUNTIME: 'docker' })).toBe('auto');
  });
  it('knows which requests leave the machine', () => {
    expect(isNetworkUrl('https://cdn.example.com/x.js')).toBe(true);
    expect(isNetworkUrl('wss://example.com/')).toBe(true);
    expect(isNetworkUrl('atolye://app/index.html')).toBe(false);
    expect(isNetworkUrl('atolye-media://thumb/x')).toBe(false);
    expect(isNetworkUrl('devtools://devtools/')).toBe(false);
  });
});

describe('one notification per import or batch', () => {
  it('keys end states by what they are about', async () => {
    expect(await notificationFor(progress('done'), ctx())).toMatchObject({ key: 'import:i' });
    expect(await notificationFor(progress('failed'), ctx())).toMatchObject({ key: 'import:i' });
  });
  it('lets each key through once, within a bound', () => {
    const once = new NotifiedOnce(2);
    expect([once.first('import:a'), once.first('import:a'), once.first('batch:a')]).toEqual([true, false, true]);
    once.first('x');
    expect(once.first('import:a')).toBe(true); // evicted, the oldest first
  });
});
