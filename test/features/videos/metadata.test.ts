/**
 * Metadata from frames against a loopback server that speaks the Gemini API's
 * generateContent shapes: inline JPEG frames and a prompt in; candidates[0].content.
 * parts[0].text (JSON) out; HTTP 429 with RetryInfo or Retry-After. Keys are sealed at
 * rest, never returned, rotated on 429; answers are cached by frames and prompt; only
 * empty product fields are filled.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { newId } from '../../../src-main/engine/ids.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { fieldsFromAnswer } from '../../../src-main/features/videos/metadata/answer.js';
import { videosFeature } from '../../../src-main/features/videos/public.js';
import type { MetadataStatus, Product, ProductFields } from '../../../src-shared/contract/index.js';
import { useEngine } from '../../support/engine.js';

interface Seen {
  url: string;
  key: string | undefined;
  body: { contents: { parts: ({ text: string } | { inline_data: { mime_type: string; data: string } })[] }[] };
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** A generateContent server: answers per API key with what `replies` says; records every request. */
function fakeGemini() {
  const seen: Seen[] = [];
  const replies = new Map<string, () => Reply>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = req.headers['x-goog-api-key'] as string | undefined;
      seen.push({ url: req.url ?? '', key, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Seen['body'] });
      const reply = (key ? replies.get(key)?.() : undefined) ?? { status: 400, body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } } };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  return { server, seen, replies };
}

const answerReply = (answer: unknown): Reply => ({
  status: 200,
  body: { candidates: [{ content: { role: 'model', parts: [{ text: '```json\n' + JSON.stringify(answer) + '\n```' }] }, finishReason: 'STOP' }] },
});
const exhausted = (retryDelay: string): Reply => ({
  status: 429,
  body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }] } },
});

const KEY_A = 'AIzaSyA-first-test-key-000000000000001';
const KEY_B = 'AIzaSyB-second-test-key-00000000000002';

describe('reading the model’s answer', () => {
  it('takes fenced or bare JSON, keeps fields that fit and drops the rest', () => {
    const fields = fieldsFromAnswer(
      '```json\n{"brandName":" Tropicana ","productName":"Mandarin Morning","variant":null,"netQuantity":"1 L","claims":["no added sugar",""," 100% juice "],"nutrition":[{"name":"sugar","amount":9.1,"unit":"g","per":"100 ml"},{"name":"bad","amount":-1,"unit":"g"}],"containerType":42,"category":"' +
        'x'.repeat(500) +
        '"}\n```',
    );
    expect(fields).toEqual({
      brandName: 'Tropicana',
      productName: 'Mandarin Morning',
      netQuantity: '1 L',
      claims: ['no added sugar', '100% juice'],
      nutrition: [{ name: 'sugar', amount: 9.1, unit: 'g', per: '100 ml' }],
    });
    expect(fieldsFromAnswer('{"brandName":"Bravo"}')).toEqual({ brandName: 'Bravo' });
    expect(() => fieldsFromAnswer('I cannot read this label.')).toThrow();
    expect(() => fieldsFromAnswer('[1,2]')).toThrow(/JSON object/);
  });
});

describe('videos: metadata from frames', () => {
  const fx = useEngine({ scope: 'all' });
  const gemini = fakeGemini();
  let endpoint = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => gemini.server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(gemini.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => gemini.server.close(() => resolve())));

  /** A product with `n` video frames (2000×1200 PNGs through the ingest pool), the first the best. */
  async function productWithFrames(barcode: string, fields: Partial<ProductFields>, n: number, seed: number): Promise<Product> {
    const { catalog } = fx.engine.use(productsFeature);
    const p = catalog.create({ barcodes: [barcode], ...fields });
    const videoId = newId();
    const images = [];
    for (let i = 0; i < n; i++) {
      const file = path.join(fx.dir, `frame-${seed}-${i}.png`);
      await sharp({ create: { width: 2000, height: 1200, channels: 3, background: { r: (seed * 40 + i * 30) % 256, g: 120, b: 60 } } }).png().toFile(file);
      const stored = await fx.engine.images.ingest(file);
      if (!stored.ok) throw new Error(stored.reason);
      images.push({
        type: 'synthetic' as const,
        sha256: stored.sha256,
        format: stored.format,
        width: stored.width,
        height: stored.height,
        bytes: stored.bytes,
        thumbSha256: stored.thumb.sha256,
        source: { kind: 'video' as const, id: videoId },
        frameIndex: i * 10,
        meta: { primaryScore: 0.9 - i * 0.1 },
      });
    }
    catalog.addImages(p.id, images, { primaryIndex: 0 });
    return catalog.get(p.id);
  }

  it('keeps keys sealed with a key file only the user can read, and never hands them out', async () => {
    const call = createDispatcher(fx.engine);
    let status = (await call('videos.metadataSettings', {})) as MetadataStatus;
    expect(status).toMatchObject({ storage: 'key-file', storageNote: null, keys: [], auto: true });
    const p = await productWithFrames('5449000000996', {}, 1, 0);
    expect(await call('videos.fillMetadata', { productIds: [p.id] })).toEqual({ queued: 0, refused: [{ id: p.id, reason: expect.stringMatching(/no usable API key/) }] });

    await call('videos.addMetadataKey', { label: 'first', key: KEY_A });
    status = (await call('videos.addMetadataKey', { label: 'second', key: KEY_B })) as MetadataStatus;
    expect(status.keys.map((k) => [k.label, k.hint])).toEqual([
      ['first', '…0001'],
      ['second', '…0002'],
    ]);
    const everything = JSON.stringify(status) + JSON.stringify(await call('videos.metadataSettings', {}));
    expect(everything).not.toContain(KEY_A.slice(0, 20));
    // At rest: sealed (no plain text in the database), under a 0600 key file.
    const sealed = fx.engine.db.prepare('SELECT sealed FROM video_metadata_keys').pluck().all() as Buffer[];
    expect(sealed).toHaveLength(2);
    for (const s of sealed) expect(s.toString('latin1')).not.toContain('test-key');
    const keyFile = path.join(fx.dataDir, 'metadata-keys.key');
    if (process.platform !== 'win32') expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

    // A key file others can read is refused, not trusted.
    if (process.platform !== 'win32') {
      fs.chmodSync(keyFile, 0o644);
      try {
        expect(await call('videos.metadataSettings', {})).toMatchObject({ storage: 'unavailable', storageNote: expect.stringMatching(/chmod 600/) });
        await expect(call('videos.addMetadataKey', { label: 'third', key: 'AIzaSyC-third-key-0000' })).rejects.toMatchObject({ code: 'unavailable' });
      } finally {
        fs.chmodSync(keyFile, 0o600);
      }
    }
    await call('videos.setMetadataSettings', { endpoint, model: 'gemini-test' });
  });

  it('asks with inline JPEG frames, moves to the next key on 429, and fills only empty fields', async () => {
    const call = createDispatcher(fx.engine);
    gemini.replies.set(KEY_A, () => exhausted('30s'));
    gemini.replies.set(KEY_B, () =>
      answerReply({ brandName: 'Tropicana', productName: 'Mandarin Morning', variant: 'Mandarin', netQuantity: '1 L', claims: ['no added sugar'], nutrition: [{ name: 'sugar', amount: 9.1, unit: 'g', per: '100 ml' }], containerType: 'carton' }),
    );
    const p = await productWithFrames('4006381333931', { brandName: 'Kept Brand', containerType: 'bottle' }, 4, 1);
    const before = gemini.seen.length;
    const t0 = Date.now();
    expect(await call('videos.fillMetadata', { productIds: [p.id] })).toEqual({ queued: 1, refused: [] });
    await fx.engine.queue.drain();

    const asked = gemini.seen.slice(before);
    expect(asked.map((s) => s.key)).toEqual([KEY_A, KEY_B]);
    for (const s of asked) {
      expect(s.url).toBe('/v1beta/models/gemini-test:generateContent');
      const [prompt, ...frames] = s.body.contents[0]!.parts;
      expect((prompt as { text: string }).text).toMatch(/one JSON object/);
      // The primary and the next best two, each at most 1024 px, as JPEG.
      expect(frames).toHaveLength(3);
      for (const f of frames as { inline_data: { mime_type: string; data: string } }[]) {
        expect(f.inline_data.mime_type).toBe('image/jpeg');
        const meta = await sharp(Buffer.from(f.inline_data.data, 'base64')).metadata();
        expect(meta).toMatchObject({ format: 'jpeg', width: 1024, height: 614 });
      }
    }
    const filled = fx.engine.use(productsFeature).catalog.get(p.id);
    expect(filled).toMatchObject({
      brandName: 'Kept Brand',
      containerType: 'bottle',
      productName: 'Mandarin Morning',
      variant: 'Mandarin',
      netQuantity: '1 L',
      claims: ['no added sugar'],
      nutrition: [{ name: 'sugar', amount: 9.1, unit: 'g', per: '100 ml' }],
    });
    const keys = ((await call('videos.metadataSettings', {})) as MetadataStatus).keys;
    const first = keys.find((k) => k.label === 'first')!;
    expect(first.coolingUntil).toBeGreaterThanOrEqual(t0 + 29_000);
    expect(keys.find((k) => k.label === 'second')!.coolingUntil).toBeNull();

    // The same frames and prompt again: answered from the cache, no request.
    const n = gemini.seen.length;
    await call('videos.fillMetadata', { productIds: [p.id] });
    await fx.engine.queue.drain();
    expect(gemini.seen.length).toBe(n);
    const last = fx.engine.queue.list({ type: 'videos.metadata', limit: 1 }).items[0]!;
    expect(fx.engine.queue.get(last.id)).toMatchObject({ state: 'completed', result: { cached: true } });
  });

  it('puts the job back until the earliest retry time when every key is rate-limited, without using an attempt', async () => {
    const call = createDispatcher(fx.engine);
    gemini.replies.set(KEY_B, () => ({ ...exhausted('5s'), headers: { 'retry-after': '120' } }));
    const p = await productWithFrames('73513537', {}, 2, 2);
    const before = gemini.seen.length;
    await call('videos.fillMetadata', { productIds: [p.id] });
    const jobId = fx.engine.queue.list({ type: 'videos.metadata', limit: 1 }).items[0]!.id;
    const t0 = Date.now();
    // Key A still rests from the last test: only B is tried, and it says 429 too.
    for (let i = 0; i < 200 && gemini.seen.length === before; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(gemini.seen.slice(before).map((s) => s.key)).toEqual([KEY_B]);
    const job = fx.engine.queue.get(jobId);
    expect(job.state).toBe('pending');
    // Retry-After (120 s) wins over the body's RetryInfo; key A's rest ends sooner (~30 s), so that is when it runs.
    const keys = ((await call('videos.metadataSettings', {})) as MetadataStatus).keys;
    const resumes = Math.min(...keys.map((k) => k.coolingUntil!));
    expect(keys.find((k) => k.label === 'second')!.coolingUntil).toBeGreaterThanOrEqual(t0 + 110_000);
    expect(job.runAt).toBe(resumes);
    expect(job.attempts).toBe(0);
    expect(fx.engine.use(productsFeature).catalog.get(p.id).productName).toBe('');
    fx.engine.queue.cancel(jobId);
  });

  it('fails for good when the API refuses every key, without echoing a key', async () => {
    const call = createDispatcher(fx.engine);
    for (const k of ((await call('videos.metadataSettings', {})) as MetadataStatus).keys) await call('videos.removeMetadataKey', { id: k.id });
    const bad = 'AIzaSyZ-revoked-key-99999999999999999';
    await call('videos.addMetadataKey', { label: 'revoked', key: bad });
    const p = await productWithFrames('036000291452', {}, 1, 3);
    await call('videos.fillMetadata', { productIds: [p.id] });
    await fx.engine.queue.drain();
    const job = fx.engine.queue.list({ type: 'videos.metadata', limit: 1 }).items[0]!;
    expect(job).toMatchObject({ state: 'failed', errorKind: 'permanent', errorCode: 'metadata_key_refused' });
    expect(job.error).toMatch(/revoked: API key not valid/);
    expect(job.error).not.toContain(bad.slice(8));
    expect(fx.engine.use(videosFeature).metadata.status().keys.map((k) => k.label)).toEqual(['revoked']);
  });
});
