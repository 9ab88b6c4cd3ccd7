/**
 * Adding videos (paths, folders, uploads), linking them to products by barcode, the same
 * bytes added once, failures that need no model (a damaged file, no ffmpeg), `engine.info`
 * and the CLI. Test videos are ffmpeg's own test pattern: no photos needed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { runCaptured } from '../../../src-main/features/videos/ffmpeg.js';
import { barcodeFromName } from '../../../src-main/features/videos/video-files.js';
import { videosFeature } from '../../../src-main/features/videos/public.js';
import type { EngineInfo, Video, VideoAddResult, VideoProcessResult } from '../../../src-shared/contract/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { useEngine } from '../../support/engine.js';
import { findFfmpeg, testPattern } from './clips.js';

const { path: ffmpeg, skip } = await findFfmpeg();
if (skip) console.warn(`[videos] library tests skipped: ${skip}`);

/** Every blob file under a data dir. */
async function blobCount(dataDir: string): Promise<number> {
  const root = path.join(dataDir, 'blobs');
  let n = 0;
  for (const d of await fs.readdir(root)) n += (await fs.readdir(path.join(root, d))).length;
  return n;
}

describe('barcodes from file names', () => {
  it('reads a GTIN with a right check digit at the start of the name, and nothing else', () => {
    expect(barcodeFromName('5449000000996.mp4')).toBe('5449000000996');
    expect(barcodeFromName('/videos/5449000000996_front.MOV')).toBe('5449000000996');
    expect(barcodeFromName('036000291452 (2).webm')).toBe('036000291452');
    expect(barcodeFromName('73513537.mkv')).toBe('73513537');
    // A wrong check digit, a phone's file name, digits inside a word, too short.
    expect(barcodeFromName('5449000000997.mp4')).toBeNull();
    expect(barcodeFromName('VID_20240501_123456.mp4')).toBeNull();
    expect(barcodeFromName('5449000000996abc.mp4')).toBeNull();
    expect(barcodeFromName('12345.mp4')).toBeNull();
  });
});

describe.skipIf(!!skip)('videos: adding, linking, failures without a model', () => {
  const fx = useEngine({ scope: 'all' });
  let clips: string;
  let cleanup: () => Promise<void>;
  const file = (name: string) => path.join(clips, name);

  beforeAll(async () => {
    ({ dir: clips, cleanup } = await tempDir('atolye-video-clips-'));
    await testPattern(ffmpeg!, file('5449000000996.mp4'), { seconds: 2 });
    await testPattern(ffmpeg!, file('phone video.mp4'), { seconds: 1, size: '240x320' });
    await fs.mkdir(file('folder/inner'), { recursive: true });
    await testPattern(ffmpeg!, file('folder/a.mp4'), { seconds: 1 });
    await testPattern(ffmpeg!, file('folder/inner/b.mp4'), { seconds: 1, rate: 30 });
    await fs.writeFile(file('folder/notes.txt'), 'not a video');
    // Damaged: random bytes; a faststart MP4 cut at 55% (it opens, the picture stops).
    await fs.writeFile(file('garbage.mp4'), Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 251)));
    await testPattern(ffmpeg!, file('long.mp4'), { seconds: 6, size: '640x360' });
    const fast = await runCaptured(ffmpeg!, ['-hide_banner', '-y', '-i', file('long.mp4'), '-c', 'copy', '-movflags', '+faststart', file('fast.mp4')]);
    expect(fast.code).toBe(0);
    const bytes = await fs.readFile(file('fast.mp4'));
    await fs.writeFile(file('truncated.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.55)));
  }, 120_000);
  afterAll(() => cleanup?.());

  it('links a video to the product its file name names (created pending), with its probe and a poster', async () => {
    const call = createDispatcher(fx.engine);
    const r = (await call('videos.add', { files: [{ path: file('5449000000996.mp4') }] })) as VideoAddResult;
    expect(r.refused).toEqual([]);
    expect(r.videos).toHaveLength(1);
    const v = r.videos[0]!;
    expect(v).toMatchObject({ originalName: '5449000000996.mp4', barcode: '5449000000996', state: 'pending', origin: 'added', framesKept: 0 });
    expect(v.probe).toMatchObject({ width: 320, height: 240, codec: 'h264', fps: 25 });
    expect(v.probe!.duration).toBeCloseTo(2, 1);
    const product = fx.engine.use(productsFeature).catalog.get(v.productId!);
    expect(product).toMatchObject({ status: 'pending', barcode: '5449000000996' });
    // The file itself is in the blob store, byte for byte.
    const row = fx.engine.use(videosFeature).library.repo.byId.get(v.id)!;
    expect(await fs.readFile(fx.engine.store.pathOf(row.sha256))).toEqual(await fs.readFile(file('5449000000996.mp4')));
    // A poster still, served as media by the video's id.
    expect(v.posterId).toBe(v.id);
    const thumb = fx.engine.media(v.id, 'thumb');
    expect(thumb?.contentType).toBe('image/webp');
    expect((await fs.stat(thumb!.path)).size).toBeGreaterThan(500);
  });

  it('adds the same bytes for the same product once, and a barcode given beats the name', async () => {
    const call = createDispatcher(fx.engine);
    const blobs = await blobCount(fx.dataDir);
    const again = (await call('videos.add', { files: [{ path: file('5449000000996.mp4') }] })) as VideoAddResult;
    expect(again.existing).toBe(1);
    expect(await blobCount(fx.dataDir)).toBe(blobs);
    expect(fx.engine.use(videosFeature).library.list({}).total).toBe(1);
    // The same file for another product is that product's video.
    const other = (await call('videos.add', { files: [{ path: file('5449000000996.mp4') }], barcode: '5449000131805' })) as VideoAddResult;
    expect(other.existing).toBe(0);
    expect(other.videos[0]).toMatchObject({ barcode: '5449000131805' });
    expect(await blobCount(fx.dataDir)).toBe(blobs);
  });

  it('keeps a video without a barcode until one is given; processing it is refused meanwhile', async () => {
    const call = createDispatcher(fx.engine);
    const r = (await call('videos.add', { files: [{ path: file('phone video.mp4') }] })) as VideoAddResult;
    expect(r.needBarcode).toEqual([r.videos[0]!.id]);
    expect(r.videos[0]).toMatchObject({ productId: null, barcode: null, state: 'pending' });
    expect(r.videos[0]!.probe).toMatchObject({ width: 240, height: 320 });
    const refused = (await call('videos.process', { ids: [r.videos[0]!.id] })) as VideoProcessResult;
    expect(refused).toMatchObject({ batchId: null, queued: 0, refused: [{ code: 'barcode_missing' }] });
    expect(((await call('videos.stats', {})) as { needBarcode: number }).needBarcode).toBe(1);
    const linked = (await call('videos.setBarcode', { id: r.videos[0]!.id, barcode: '4006381333931' })) as Video;
    expect(linked).toMatchObject({ barcode: '4006381333931' });
    expect(fx.engine.use(productsFeature).catalog.byBarcode('4006381333931')).toMatchObject({ id: linked.productId, status: 'pending' });
    expect(((await call('videos.stats', {})) as { needBarcode: number }).needBarcode).toBe(0);
  });

  it('refuses a barcode with a wrong check digit before copying anything', async () => {
    const call = createDispatcher(fx.engine);
    const blobs = await blobCount(fx.dataDir);
    const r = (await call('videos.add', { files: [{ path: file('folder/a.mp4'), barcode: '5449000000997' }] })) as VideoAddResult;
    expect(r.videos).toEqual([]);
    expect(r.refused).toEqual([{ name: 'a.mp4', code: 'invalid_input', reason: expect.stringMatching(/wrong check digit/) }]);
    expect(await blobCount(fx.dataDir)).toBe(blobs);
    expect(fx.engine.use(productsFeature).catalog.byBarcode('5449000000997')).toBeNull();
  });

  it('adds the video files of a folder and below, and says why a path is refused', async () => {
    const call = createDispatcher(fx.engine);
    const r = (await call('videos.add', { files: [{ path: file('folder') }, { path: file('missing.mp4') }], barcode: '73513537' })) as VideoAddResult;
    expect(r.videos.map((v) => v.originalName).sort()).toEqual(['a.mp4', 'b.mp4']);
    expect(r.videos.every((v) => v.barcode === '73513537')).toBe(true);
    expect(r.refused).toEqual([{ name: 'missing.mp4', code: 'not_found', reason: expect.stringMatching(/cannot be opened: ENOENT/) }]);
  });

  it('adds an upload (web mode) under its own name and discards the staged file', async () => {
    const call = createDispatcher(fx.engine);
    const { uploadId } = await fx.engine.uploads.receive(Readable.from([await fs.readFile(file('folder/a.mp4'))]));
    const r = (await call('videos.add', { files: [{ uploadId, name: '036000291452.mp4' }] })) as VideoAddResult;
    expect(r.videos[0]).toMatchObject({ originalName: '036000291452.mp4', barcode: '036000291452' });
    expect(await fx.engine.uploads.exists(uploadId)).toBe(false);
  });

  it('fails a damaged or truncated video with its reason and code, in the original name, and the product goes back to pending', async () => {
    const call = createDispatcher(fx.engine);
    const added = (await call('videos.add', {
      files: [
        { path: file('garbage.mp4'), barcode: '8690504050018' },
        { path: file('truncated.mp4'), barcode: '10036000291459' },
      ],
    })) as VideoAddResult;
    // Nothing to probe in garbage; a truncated file still probes.
    expect(added.videos.map((v) => v.probe === null)).toEqual([true, false]);
    const queued = (await call('videos.process', { ids: added.videos.map((v) => v.id) })) as VideoProcessResult;
    expect(queued.queued).toBe(2);
    await fx.engine.queue.waitForBatch(queued.batchId!);
    const [garbage, truncated] = added.videos.map((v) => fx.engine.use(videosFeature).library.get(v.id));
    expect(garbage).toMatchObject({ state: 'failed', errorCode: 'video_unreadable' });
    expect(garbage!.error).toMatch(/“garbage\.mp4”/);
    expect(truncated).toMatchObject({ state: 'failed', errorCode: 'video_truncated' });
    expect(truncated!.error).toMatch(/“truncated\.mp4”.*picture stops/);
    for (const v of [garbage!, truncated!]) {
      expect(v.error).not.toContain(fx.dataDir);
      const job = fx.engine.queue.get(v.jobId!);
      // Permanent: one attempt, no retries.
      expect(job).toMatchObject({ state: 'failed', errorKind: 'permanent', attempts: 1 });
      expect(fx.engine.use(productsFeature).catalog.get(v.productId!).status).toBe('pending');
    }
    expect(((await call('videos.stats', {})) as { failed: number }).failed).toBe(2);
  });

  it('deletes videos (tombstones); their file is given up once no live video uses it', async () => {
    const call = createDispatcher(fx.engine);
    const lib = fx.engine.use(videosFeature).library;
    const garbage = lib.list({ state: ['failed'] }).items.find((v) => v.originalName === 'garbage.mp4')!;
    const sha = lib.repo.byId.get(garbage.id)!.sha256;
    expect(await fx.engine.store.has(sha)).toBe(true);
    expect(await call('videos.delete', { ids: [garbage.id] })).toEqual({ deleted: 1 });
    expect(lib.repo.byId.get(garbage.id)).toMatchObject({ deleted: 1 });
    expect(lib.list({}).items.some((v) => v.id === garbage.id)).toBe(false);
    // Removing the file itself is the blob store's business (and its collector's, which waits for writers in flight).
    expect(lib.repo.shaInUse.get(sha)).toBe(0);
    await expect(call('videos.get', { id: garbage.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('engine.info says which ffmpeg is used and its version', async () => {
    const info = (await createDispatcher(fx.engine)('engine.info', {})) as EngineInfo;
    expect(info.features).toContainEqual({ feature: 'videos', label: 'ffmpeg', value: expect.stringMatching(/^ffmpeg version \S+ .*\((env|installer|path): \//) });
  });
});

describe.skipIf(!!skip)('videos without ffmpeg', () => {
  const fx = useEngine({ scope: 'all', settings: { videos: { ffmpegPath: '/nonexistent/bin/ffmpeg' } } });

  it('adds the video, then fails it with ffmpeg_missing and the reason (no crash); info says so', async () => {
    const { dir, cleanup } = await tempDir('atolye-video-noff-');
    try {
      await testPattern(ffmpeg!, path.join(dir, '5449000000996.mp4'), { seconds: 1 });
      const call = createDispatcher(fx.engine);
      const status = (await call('videos.ffmpeg', {})) as { available: boolean; error: string };
      expect(status).toMatchObject({ available: false, error: expect.stringContaining('/nonexistent/bin/ffmpeg') });
      const info = (await call('engine.info', {})) as EngineInfo;
      expect(info.features).toContainEqual({ feature: 'videos', label: 'ffmpeg', value: expect.stringMatching(/^not found: .*\/nonexistent\/bin\/ffmpeg/) });
      const r = (await call('videos.add', { files: [{ path: path.join(dir, '5449000000996.mp4') }], process: true })) as VideoAddResult;
      expect(r.videos[0]).toMatchObject({ probe: null, posterId: null, state: 'queued' });
      await fx.engine.queue.waitForBatch(r.batchId!);
      const v = (await call('videos.get', { id: r.videos[0]!.id })) as Video;
      expect(v).toMatchObject({ state: 'failed', errorCode: 'ffmpeg_missing' });
      expect(v.error).toMatch(/FFMPEG_PATH is set to \/nonexistent\/bin\/ffmpeg/);
      expect(fx.engine.use(productsFeature).catalog.get(v.productId!).status).toBe('pending');
    } finally {
      await cleanup();
    }
  });
});

describe.skipIf(!!skip)('atolye videos (CLI)', () => {
  it('adds, says how to link a video without a barcode, lists as JSON; atolye info names ffmpeg', async () => {
    const { dir, cleanup } = await tempDir('atolye-video-cli-');
    try {
      const clip = path.join(dir, 'clip.mp4');
      await testPattern(ffmpeg!, clip, { seconds: 1 });
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), stopped: new Promise<void>(() => {}) };
      const dataDir = path.join(dir, 'data');
      // No barcode and no terminal to ask on: added, with the command that links it later.
      expect(await runCli(['--data-dir', dataDir, 'videos', 'add', clip], io)).toBe(1);
      expect(err.join('\n')).toMatch(/clip\.mp4: no barcode; link it with: atolye videos barcode \S+ <CODE>/);
      const id = /atolye videos barcode (\S+)/.exec(err.join('\n'))![1]!;
      expect(await runCli(['--data-dir', dataDir, 'videos', 'barcode', id, '5449000000996'], io)).toBe(0);
      out.length = 0;
      expect(await runCli(['--data-dir', dataDir, 'videos', 'list', '--json'], io)).toBe(0);
      const listed = JSON.parse(out.join('\n')) as Video[];
      expect(listed).toEqual([expect.objectContaining({ id, barcode: '5449000000996', state: 'pending', originalName: 'clip.mp4' })]);
      expect(await runCli(['--data-dir', dataDir, 'videos', 'add', clip, '--barcode', '123'], io)).toBe(2);
      out.length = 0;
      expect(await runCli(['--data-dir', dataDir, 'info'], io)).toBe(0);
      expect(out.join('\n')).toMatch(/^ffmpeg: ffmpeg version /m);
    } finally {
      await cleanup();
    }
  }, 60_000);
});

describe.skipIf(!!skip)('videos: cancel, and state after a restart', () => {
  const fx = useEngine({ queue: { autostart: false } });

  it('a cancelled video is pending again; a video left queued or processing by a crash follows its job on the next start', async () => {
    const { dir, cleanup } = await tempDir('atolye-video-restart-');
    try {
      const a = path.join(dir, '5449000000996.mp4');
      await testPattern(ffmpeg!, a, { seconds: 1 });
      const b = path.join(dir, '4006381333931.mp4');
      await fs.writeFile(b, Buffer.alloc(10_000, 3));
      const call = createDispatcher(fx.engine);
      const added = (await call('videos.add', { files: [{ path: a }, { path: b }], process: true })) as VideoAddResult;
      const [va, vb] = added.videos;
      expect([va!.state, vb!.state]).toEqual(['queued', 'queued']);
      expect(fx.engine.use(productsFeature).catalog.get(va!.productId!).status).toBe('pending');

      expect(await call('videos.cancel', { ids: [va!.id] })).toEqual({ cancelled: 1 });
      expect(((await call('videos.get', { id: va!.id })) as Video).state).toBe('pending');

      // A crash: b's row says processing while its job never ran; the job then failed in the
      // queue without the event reaching the feature. On the next start the row follows the job.
      fx.engine.db.prepare("UPDATE videos SET state = 'processing' WHERE id = ?").run(vb!.id);
      await fx.reopen({ queue: { autostart: false } });
      expect(((await createDispatcher(fx.engine)('videos.get', { id: vb!.id })) as Video).state).toBe('queued');
      fx.engine.queue.start();
      await fx.engine.queue.waitFor(vb!.jobId!);
      fx.engine.db.prepare("UPDATE videos SET state = 'processing', error = NULL, error_code = NULL WHERE id = ?").run(vb!.id);
      await fx.reopen({ queue: { autostart: false } });
      const after = (await createDispatcher(fx.engine)('videos.get', { id: vb!.id })) as Video;
      expect(after).toMatchObject({ state: 'failed', errorCode: 'video_unreadable' });
      expect(after.error).toMatch(/“4006381333931\.mp4”/);
    } finally {
      await cleanup();
    }
  });
});

describe.skipIf(!!skip)('videos: the default model cannot run', () => {
  const fx = useEngine();

  it('fails the video with model_unavailable and the model store’s reason, once, after the frames were read', async () => {
    const { dir, cleanup } = await tempDir('atolye-video-nomodel-');
    try {
      const a = path.join(dir, '5449000000996.mp4');
      await testPattern(ffmpeg!, a, { seconds: 1 });
      const call = createDispatcher(fx.engine);
      // A catalog model that is not downloaded (no internet here, nothing fetched).
      await call('models.setDefault', { id: 'u2netp' });
      const added = (await call('videos.add', { files: [{ path: a }], process: true })) as VideoAddResult;
      await fx.engine.queue.waitForBatch(added.batchId!);
      const v = (await call('videos.get', { id: added.videos[0]!.id })) as Video;
      expect(v).toMatchObject({ state: 'failed', errorCode: 'model_unavailable' });
      expect(v.error).toMatch(/model u2netp cannot run: it is not installed/);
      expect(fx.engine.queue.get(v.jobId!)).toMatchObject({ attempts: 1, errorKind: 'permanent' });
    } finally {
      await cleanup();
    }
  });
});
