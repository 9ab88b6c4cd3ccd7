import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostMessage } from '../../src-main/engine-host/protocol.js';
import type { Asset, ImportProgress } from '../../src-shared/contract/index.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { forkHost, type HostChild } from './host-harness.js';

type Msg<T extends HostMessage['type']> = Extract<HostMessage, { type: T }>;
const is =
  <T extends HostMessage['type']>(type: T) =>
  (m: HostMessage): m is Msg<T> =>
    m.type === type;

describe.each([
  { transport: 'Node IPC (development fallback)', parentPortShim: false },
  { transport: 'Electron parentPort shape (utility process)', parentPortShim: true },
])('engine host over $transport', ({ parentPortShim }) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let host: HostChild | null = null;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atolye-host-'));
  });
  afterEach(async () => {
    if (host && host.child.exitCode === null) host.child.kill('SIGKILL');
    await host?.exited;
    host = null;
    await cleanup();
  });

  it('answers calls, imports images with events, serves media by id and shuts down cleanly', async () => {
    const dataDir = path.join(dir, 'data');
    const folder = path.join(dir, 'Ürünler');
    await writeJpegs(folder, 4);
    host = forkHost(dataDir, { parentPortShim });

    const ready = await host.waitFor(is('ready'));
    expect(ready.pid).toBe(host.child.pid);
    expect(ready.info.dataDir).toBe(dataDir);

    const info = await host.request({ type: 'call', method: 'engine.info', input: {} });
    expect(info).toMatchObject({ ok: true, result: { dataDir, platform: process.platform } });

    const started = await host.request({ type: 'call', method: 'import.start', input: { paths: [folder] } });
    expect(started.ok).toBe(true);
    const { importId, projectId } = (started as Msg<'result'> & { ok: true }).result as ImportProgress;

    // Progress arrives as pushed events, ending in `done`.
    const finished = await host.waitFor(
      (m): m is Msg<'event'> => m.type === 'event' && m.event.type === 'import.progress' && m.event.payload.importId === importId && m.event.payload.state === 'done',
    );
    expect(finished.event.payload).toMatchObject({ total: 4, imported: 4, skipped: 0 });
    expect(host.messages.some((m) => m.type === 'event' && m.event.type === 'projects.changed')).toBe(true);

    const page = await host.request({ type: 'call', method: 'assets.list', input: { projectId } });
    const assets = ((page as { result: { items: Asset[] } }).result.items);
    expect(assets).toHaveLength(4);

    const media = await host.request({ type: 'media', assetId: assets[0]!.id, variant: 'thumb' });
    expect(media).toMatchObject({ ok: true, result: { contentType: 'image/webp' } });
    const thumbPath = (media as { result: { path: string } }).result.path;
    expect(thumbPath.startsWith(dataDir)).toBe(true);
    expect((await fs.stat(thumbPath)).size).toBeGreaterThan(0);

    // Unknown ids and malformed requests get answers, not crashes.
    expect(await host.request({ type: 'media', assetId: '0190e0e0-0000-7000-8000-000000000000', variant: 'original' })).toMatchObject({ ok: true, result: null });
    expect(await host.request({ type: 'media', assetId: '../../etc/passwd', variant: 'original' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await host.request({ type: 'media', assetId: assets[0]!.id, variant: 'raw' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await host.request({ type: 'call', method: 'no.such.method', input: {} })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await host.request({ type: 'call', method: 'projects.rename', input: { id: projectId, name: '' } })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    host.child.send({ nonsense: true });

    host.send({ type: 'shutdown' });
    await host.waitFor(is('closed'));
    expect(await host.exited).toBe(0);

    // The library recorded a clean quit for this boot.
    const db = new Database(path.join(dataDir, 'library.db'), { readonly: true });
    try {
      const boots = db.prepare('SELECT clean FROM boots').all() as { clean: number }[];
      expect(boots).toEqual([{ clean: 1 }]);
    } finally {
      db.close();
    }
  });

  it('answers requests sent before the library finished opening', async () => {
    host = forkHost(path.join(dir, 'data'), { parentPortShim });
    // No wait for `ready`: the request is queued by the host until the engine is open.
    const answer = await host.request({ type: 'call', method: 'projects.list', input: {} });
    expect(answer).toMatchObject({ ok: true, result: [] });
    const readyIndex = host.messages.findIndex((m) => m.type === 'ready');
    const answerIndex = host.messages.findIndex((m) => m.type === 'result');
    expect(readyIndex).toBeGreaterThanOrEqual(0);
    expect(readyIndex).toBeLessThan(answerIndex);
    host.send({ type: 'shutdown' });
    expect(await host.exited).toBe(0);
  });
});

describe('engine host failures', () => {
  it('reports a library it cannot open as fatal and exits non-zero', async () => {
    const { dir, cleanup } = await tempDir('atolye-host-');
    try {
      const blocker = path.join(dir, 'not-a-folder');
      await fs.writeFile(blocker, 'a file where the data folder should be');
      const host = forkHost(path.join(blocker, 'data'));
      const fatal = await host.waitFor(is('fatal'));
      expect(fatal.error.code).toBe('unavailable');
      expect(fatal.error.message).toMatch(/ENOTDIR|EEXIST|not a directory|a file is in the way/i);
      expect(await host.exited).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('closes the library when its parent disappears', async () => {
    const { dir, cleanup } = await tempDir('atolye-host-');
    try {
      const dataDir = path.join(dir, 'data');
      const host = forkHost(dataDir);
      await host.waitFor(is('ready'));
      host.child.disconnect();
      expect(await host.exited).toBe(0);
      const db = new Database(path.join(dataDir, 'library.db'), { readonly: true });
      expect(db.prepare('SELECT clean FROM boots').all()).toEqual([{ clean: 1 }]);
      db.close();
    } finally {
      await cleanup();
    }
  });
});
