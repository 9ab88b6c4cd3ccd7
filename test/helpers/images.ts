import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

/** Distinct small JPEGs (different colours, so different bytes and hashes). */
export async function writeJpegs(dir: string, count: number, prefix = 'img'): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const files: string[] = [];
  // Files with different prefixes must differ in bytes too, or they would be de-duplicated.
  const seed = [...prefix].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7);
  for (let n = 0; n < count; n++) {
    const i = n + seed;
    const file = path.join(dir, `${prefix}-${String(n).padStart(3, '0')}.jpg`);
    await sharp({ create: { width: 64 + (i % 200), height: 48, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 13) % 256 } } })
      .jpeg()
      .toFile(file);
    files.push(file);
  }
  return files;
}

/**
 * A real 20000×20000 1-bit greyscale PNG (a few MB compressed, 400 megapixels decoded):
 * the decompression bomb the pixel limit must refuse.
 */
export async function writeHugePng(file: string, size = 20000): Promise<void> {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(size / 8);
  const raw = Buffer.alloc(rowBytes * size); // filter byte 0 + all-black pixels
  const idat = zlib.deflateSync(raw, { level: 9 });
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
  await fs.writeFile(file, png);
}
