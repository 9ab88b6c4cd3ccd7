/**
 * The watched folder: a video written in chunks is added once, only after it stopped
 * growing; the same bytes under another name, and the same file after a restart, are not
 * added again. The queue does not run here (no model): a processed folder only queues.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { videosFeature } from '../../../src-main/features/videos/public.js';
import type { WatchStatus } from '../../../src-shared/contract/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { useEngine } from '../../support/engine.js';
import { findFfmpeg, testPattern } from './clips.js';

const { path: ffmpeg, skip } = await findFfmpeg();
if (skip) console.warn(`[videos] watched-folder tests skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!!skip)('videos: watched folder', () => {
  const fx = useEngine({ scope: 'all', queue: { autostart: false }, settings: { videos: { watchIntervalMs: 100 } } });
  let clips: string;
  let watched: string;
  let cleanup: () => Promise<void>;
  const STABLE_MS = 1000;

  beforeAll(async () => {
    ({ dir: clips, cleanup } = await tempDir('atolye-watch-'));
    watched = path.join(clips, 'watched');
    await fs.mkdir(watched);
    await testPattern(ffmpeg!, path.join(clips, 'a.mp4'), { seconds: 3 });
    await testPattern(ffmpeg!, path.join(clips, 'b.mp4'), { seconds: 1, size: '160x120' });
  }, 60_000);
  afterAll(() => cleanup?.());

  const videos = () => fx.engine.use(videosFeature).library.list({}).items;

  it('is off by default and refuses a folder that is not there', async () => {
    const call = createDispatcher(fx.engine);
    expect(await call('videos.watchSettings', {})).toMatchObject({ enabled: false, folder: null, active: false });
    await expect(call('videos.setWatchSettings', { enabled: true, folder: path.join(clips, 'nope') })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('videos.setWatchSettings', { enabled: true, folder: 'relative/dir' })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('adds a file written in chunks once, after it stopped growing, whole', async () => {
    const call = createDispatcher(fx.engine);
    const status = (await call('videos.setWatchSettings', { enabled: true, folder: watched, process: false, stableMs: STABLE_MS })) as WatchStatus;
    expect(status).toMatchObject({ enabled: true, active: true, problem: null });
    const bytes = await fs.readFile(path.join(clips, 'a.mp4'));
    const target = path.join(watched, '5449000000996.mp4');
    const handle = await fs.open(target, 'w');
    const chunks = 6;
    let lastWrite = 0;
    for (let i = 0; i < chunks; i++) {
      await handle.write(bytes.subarray(Math.floor((i * bytes.length) / chunks), Math.floor(((i + 1) * bytes.length) / chunks)));
      await handle.sync();
      lastWrite = Date.now();
      // Well under stableMs between chunks: never added while it grows.
      await sleep(STABLE_MS / 3);
      expect(videos()).toEqual([]);
    }
    await handle.close();
    const added = await until('the video to be added', () => videos()[0]);
    expect(added.createdAt - lastWrite).toBeGreaterThanOrEqual(STABLE_MS - 100);
    expect(added).toMatchObject({ originalName: '5449000000996.mp4', barcode: '5449000000996', origin: 'watched', state: 'pending', bytes: bytes.length });
    const row = fx.engine.use(videosFeature).library.repo.byId.get(added.id)!;
    expect(await fs.readFile(fx.engine.store.pathOf(row.sha256))).toEqual(bytes);
    // Several more scans: still once.
    await sleep(STABLE_MS * 2);
    expect(videos()).toHaveLength(1);
  });

  it('does not add the same bytes again under another name, nor the same file after a restart', async () => {
    await fs.copyFile(path.join(watched, '5449000000996.mp4'), path.join(watched, 'copy of it.mp4'));
    // Waits for the watcher to have taken the copy (a fixed sleep lost that race on a loaded machine).
    const seenRows = () => fx.engine.db.prepare('SELECT path, video_id FROM video_watch_seen ORDER BY seen_at').all() as { path: string; video_id: string | null }[];
    const seen = await until('the copy to be seen', () => (seenRows().length >= 2 ? seenRows() : null), 30_000);
    expect(videos()).toHaveLength(1);
    expect(seen.map((s) => path.basename(s.path))).toEqual(['5449000000996.mp4', 'copy of it.mp4']);
    expect(seen[1]!.video_id).toBeNull();

    await fx.reopen({ queue: { autostart: false }, settings: { videos: { watchIntervalMs: 100 } } });
    expect(fx.engine.use(videosFeature).watch.status()).toMatchObject({ enabled: true, active: true });
    await sleep(STABLE_MS * 2.5);
    expect(videos()).toHaveLength(1);
  }, 60_000);

  it('queues processing for a new video when the folder is set to process, and stops watching when turned off', async () => {
    const call = createDispatcher(fx.engine);
    await call('videos.setWatchSettings', { process: true });
    await fs.copyFile(path.join(clips, 'b.mp4'), path.join(watched, '4006381333931 kitchen.mp4'));
    const b = await until('the second video, queued', () => videos().find((v) => v.originalName === '4006381333931 kitchen.mp4' && v.state === 'queued'));
    expect(b).toMatchObject({ barcode: '4006381333931', state: 'queued' });
    expect(fx.engine.queue.get(b.jobId!)).toMatchObject({ type: 'videos.process', state: 'pending' });

    expect(await call('videos.setWatchSettings', { enabled: false })).toMatchObject({ enabled: false, active: false });
    await fs.copyFile(path.join(clips, 'a.mp4'), path.join(watched, '73513537.mp4'));
    await fs.appendFile(path.join(watched, '73513537.mp4'), Buffer.from([0]));
    await sleep(STABLE_MS * 2);
    expect(videos()).toHaveLength(2);
  });
});
