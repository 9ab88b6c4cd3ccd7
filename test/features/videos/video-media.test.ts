/**
 * A product's source video streamed to a player: the web media route and the desktop
 * media protocol answer byte ranges (206 + Content-Range), refuse hostile Range headers
 * with 416, type the file as a video, and serve no other blob under the video variant.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { parseRange } from '../../../src-main/engine/media/range.js';
import { createMediaProtocolHandler } from '../../../src-main/electron/protocols.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { startServer, type RunningServer } from '../../../src-main/server/server.js';
import type { VideoAddResult } from '../../../src-shared/contract/index.js';
import { useEngine } from '../../support/engine.js';
import { findFfmpeg, testPattern } from './clips.js';

const { path: ffmpeg, skip } = await findFfmpeg();
if (skip) console.warn(`[videos] media route tests skipped: ${skip}`);

describe('Range headers', () => {
  it('reads one bytes= range, clamps an end past the file, and calls everything else unsatisfiable', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ start: 50, end: 99 });
    for (const hostile of ['bytes=100-', 'bytes=100-200', 'bytes=9-3', 'bytes=0-1,5-9', 'bytes=-0', 'bytes=-', 'items=0-9', 'bytes=a-b', 'bytes= 0-9', 'bytes=0-9 junk', 'bytes=99999999999999999999-', '']) {
      expect(parseRange(hostile, 100), hostile).toBe('unsatisfiable');
    }
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});

describe.skipIf(!!skip)('a product’s source video over the media routes', () => {
  const fx = useEngine({ scope: 'all' });
  let server: RunningServer;
  let videoId = '';
  let orphanId = '';
  let imageId = '';
  let bytes: Buffer;
  const get = (variant: string, id: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}media/${variant}/${id}`, { headers: { Authorization: `Bearer ${server.token}`, ...headers } });

  beforeAll(async () => {
    const clip = path.join(fx.dir, '5449000000996.mp4');
    await testPattern(ffmpeg!, clip, { seconds: 2 });
    await testPattern(ffmpeg!, path.join(fx.dir, 'no barcode.mp4'), { seconds: 1 });
    bytes = await fs.readFile(clip);
    const call = createDispatcher(fx.engine);
    const added = (await call('videos.add', { files: [{ path: clip }, { path: path.join(fx.dir, 'no barcode.mp4') }] })) as VideoAddResult;
    videoId = added.videos.find((v) => v.originalName === '5449000000996.mp4')!.id;
    orphanId = added.videos.find((v) => v.originalName === 'no barcode.mp4')!.id;
    const { catalog } = fx.engine.use(productsFeature);
    const product = catalog.byBarcode('5449000000996')!;
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } }).jpeg().toBuffer();
    const stored = await fx.engine.store.putBuffer(jpeg);
    imageId = catalog.addImages(product.id, [{ type: 'real', sha256: stored.sha256, format: 'jpeg', width: 8, height: 8, bytes: stored.bytes, thumbSha256: null, source: { kind: 'asset', id: null } }])[0]!;
    server = await startServer({ engine: fx.engine, port: 0, staticDir: null });
  }, 60_000);
  afterAll(() => server?.close());

  it('web: the whole file with Accept-Ranges, a range as 206 with Content-Range, hostile ranges as 416', async () => {
    const whole = await get('video', videoId);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('content-disposition')).toBe('inline');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const part = await get('video', videoId, { Range: 'bytes=100-1099' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expect(part.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);

    const tail = await get('video', videoId, { Range: 'bytes=-16' });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 16))).toBe(true);
    const open = await get('video', videoId, { Range: `bytes=${bytes.length - 5}-` });
    expect(open.headers.get('content-range')).toBe(`bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`);
    await open.arrayBuffer();

    for (const hostile of [`bytes=${bytes.length}-`, 'bytes=0-1,5-9', 'bytes=junk', 'lines=1-2', 'bytes=9-3']) {
      const r = await get('video', videoId, { Range: hostile });
      expect(r.status, hostile).toBe(416);
      expect(r.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      await r.arrayBuffer();
    }
  });

  it('web: serves no other blob as a video (no product, an image id), and needs the session', async () => {
    expect((await get('video', orphanId)).status).toBe(404); // not (yet) a product's video
    expect((await get('video', imageId)).status).toBe(404); // a product image is not a video
    expect((await get('original', imageId)).status).toBe(200);
    expect((await get('original', videoId)).headers.get('content-type')).toBe('image/png'); // the poster, not the file
    expect((await fetch(`${server.url}media/video/${videoId}`)).status).toBe(401);
  });

  it('desktop: the atolye-media protocol answers ranges the same way', async () => {
    const handler = createMediaProtocolHandler({ lookup: (id, variant) => fx.engine.mediaForDisplay(id, variant), log: () => {} });
    const req = (id: string, headers: Record<string, string> = {}) => handler(new Request(`atolye-media://video/${id}`, { headers }));
    const part = await req(videoId, { Range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-type')).toBe('video/mp4');
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 100))).toBe(true);
    const bad = await req(videoId, { Range: 'bytes=0-1,2-3' });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect((await req(imageId)).status).toBe(404);
  });
});
