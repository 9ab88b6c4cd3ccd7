import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { StoredZipWriter } from '../../../src-main/features/products/stored-zip.js';
import { useEngine } from '../../support/engine.js';

/** A ZIP's entries from its central directory (ZIP64 too), each checked against its local header and CRC. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(-1);
  let count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) {
    const locator = eocd - 20;
    expect(zip.readUInt32LE(locator)).toBe(0x07064b50);
    const record = Number(zip.readBigUInt64LE(locator + 8));
    expect(zip.readUInt32LE(record)).toBe(0x06064b50);
    count = Number(zip.readBigUInt64LE(record + 32));
    at = Number(zip.readBigUInt64LE(record + 48));
  }
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`entry ${i}: no central header at ${at}`);
    const [crc, size, nameLength, extraLength, commentLength] = [zip.readUInt32LE(at + 16), zip.readUInt32LE(at + 20), zip.readUInt16LE(at + 28), zip.readUInt16LE(at + 30), zip.readUInt16LE(at + 32)];
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`${name}: no local header at ${local}`);
    if (zip.readUInt16LE(local + 8) !== 0) throw new Error(`${name}: not stored`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    if (zlib.crc32(data) !== crc) throw new Error(`${name}: CRC differs`);
    entries.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** What `unzip -t` says of a file, when the system has unzip (CI images may not). */
function unzipTest(file: string): string | null {
  try {
    return execFileSync('unzip', ['-tq', file], { encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.log('unzip is not installed: the archive is checked by the test reader only');
      return null;
    }
    throw err;
  }
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('products ZIP export', () => {
  const fx = useEngine();

  it('packs each product’s metadata.json and its image files byte for byte, stored, and unzip reads it', async () => {
    const api = fx.engine.use(productsFeature);
    const p = api.catalog.create({ brandName: 'Ülker', productName: 'Gofret', barcodes: ['8690504050018'] });
    api.catalog.create({ brandName: 'Pepsi', productName: 'Max', barcodes: ['4060800100252'] });
    const frames = await Promise.all([20, 200].map((hue) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: hue, g: 90, b: 40 } } }).jpeg().toBuffer()));
    const stored = await Promise.all(frames.map((f) => fx.engine.store.putBuffer(f)));
    api.catalog.addImages(
      p.id,
      stored.map((s, i) => ({ type: 'synthetic' as const, sha256: s.sha256, format: 'jpeg', width: 64, height: 48, bytes: s.bytes, thumbSha256: null, source: { kind: 'video' as const, id: 'v1' }, frameIndex: i * 12 })),
    );
    const file = path.join(fx.dir, 'all.zip');
    await api.exportTo(file, 'zip', api.catalog.resolve(undefined));
    const entries = readZip(await fs.readFile(file));
    expect([...entries.keys()].sort()).toEqual(['4060800100252/metadata.json', '8690504050018/metadata.json', '8690504050018/synthetic/frame_0000.jpg', '8690504050018/synthetic/frame_0012.jpg']);
    expect(entries.get('8690504050018/synthetic/frame_0012.jpg')!.equals(frames[1]!)).toBe(true);
    expect(JSON.parse(entries.get('8690504050018/metadata.json')!.toString('utf8'))).toEqual(api.catalog.get(p.id));
    const said = unzipTest(file);
    if (said !== null) expect(said).toMatch(/No errors detected/);
  });

  it('writes ZIP64 records past 65,535 entries, and readers still find every entry', async () => {
    const zip = new StoredZipWriter();
    const bytes = collect(zip.stream);
    for (let i = 0; i < 70_000; i++) zip.add(`d/${i}.txt`, Buffer.from(`entry ${i} ü`));
    zip.end();
    const archive = await bytes;
    const entries = readZip(archive);
    expect(entries.size).toBe(70_000);
    expect(entries.get('d/69999.txt')!.toString('utf8')).toBe('entry 69999 ü');
    const file = path.join(fx.dir, 'many.zip');
    await fs.writeFile(file, archive);
    const said = unzipTest(file);
    if (said !== null) expect(said).toMatch(/No errors detected/);
  });
});
