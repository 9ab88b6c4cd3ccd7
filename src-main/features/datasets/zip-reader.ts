import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ContractError } from '../../../src-shared/contract/index.js';
import { CENTRAL, EOCD, LOCAL, U32_MAX, ZIP64_EOCD, ZIP64_LOCATOR } from '../../engine/zip/zip-format.js';

/**
 * Unpacks a ZIP (an export of ours, or the user's re-zip of one) into a folder.
 *
 * Hand-written because no ZIP reader is a dependency of the app (yazl only writes; adm-zip
 * and unzipper are in node_modules only as other tools' dependencies and would not ship).
 * It reads what yazl and the usual archivers write: stored and deflated entries, ZIP64
 * sizes and offsets (an export of 100,000 images has more entries than plain ZIP counts),
 * and streams each entry to disk, so a 2 GB archive never sits in memory. Encrypted
 * entries, other compression methods and names that would land outside the folder are
 * refused. Replace it with yauzl if that becomes a dependency.
 *
 * A hostile archive is held to what it declares: an entry that inflates past its stated
 * size is cut off and refused (a ZIP bomb states small sizes), a name used twice is
 * refused rather than overwriting the first, and the stated total must fit the free space
 * of the destination's disk before a byte is written.
 */


export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  encrypted: boolean;
}

/** True when the file starts like a ZIP (a local header, or an empty archive's end record). */
export async function looksLikeZip(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && (head.readUInt32LE(0) === LOCAL || head.readUInt32LE(0) === EOCD);
  } finally {
    await fh.close();
  }
}

async function readAt(fh: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new ContractError('invalid_input', 'the ZIP is cut short (a partial download?)');
  return buf;
}

/** The archive's entries from its central directory. */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    // The end record sits in the last 22 bytes plus a comment of up to 65,535.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new ContractError('invalid_input', 'not a ZIP file (no end of central directory)');
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    const eocdPos = size - tailLength + at;
    if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
      const locator = eocdPos >= 20 ? await readAt(fh, eocdPos - 20, 20) : null;
      if (!locator || locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ContractError('invalid_input', 'the ZIP’s ZIP64 directory is missing');
      const rec = await readAt(fh, Number(locator.readBigUInt64LE(8)), 56);
      if (rec.readUInt32LE(0) !== ZIP64_EOCD) throw new ContractError('invalid_input', 'the ZIP’s ZIP64 directory is damaged');
      count = Number(rec.readBigUInt64LE(32));
      cdSize = Number(rec.readBigUInt64LE(40));
      cdOffset = Number(rec.readBigUInt64LE(48));
    }
    // The sizes come from the file: checked against it before any buffer is made for them
    // (a 100-byte file may claim a 4 GB directory).
    if (cdOffset + cdSize > size || count > cdSize / 46) throw new ContractError('invalid_input', 'the ZIP’s central directory is damaged (it claims more than the file holds)');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new ContractError('invalid_input', 'the ZIP’s central directory is damaged');
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20);
      let uncompressed = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let localOffset = cd.readUInt32LE(p + 42);
      // Bit 11: UTF-8 names (yazl sets it); older archivers wrote CP437, read as latin1 here.
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength);
      // ZIP64 extra field: the 8-byte values, in this order, for each field that overflowed.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (uncompressed === U32_MAX) {
            uncompressed = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === U32_MAX) {
            compressedSize = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
          if (localOffset === U32_MAX) localOffset = Number(cd.readBigUInt64LE(q));
        }
        e += 4 + len;
      }
      entries.push({ name, method, compressedSize, size: uncompressed, localOffset, encrypted: (flags & 1) === 1 });
      p = extraEnd + commentLength;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** The entry's path inside `dest`, or null when its name would land outside it (absolute, `..`). */
export function safeEntryPath(dest: string, name: string): string | null {
  const parts = name.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.some((s) => s === '..') || /^[A-Za-z]:/.test(parts[0]!) || name.startsWith('/')) return null;
  return path.join(dest, ...parts);
}

/**
 * Writes every file entry under `dest` (folders are made as needed). Answers the entries
 * it refused and why; an entry that cannot be unpacked does not stop the others.
 */
export async function unzipTo(
  file: string,
  dest: string,
  { freeBytes = freeBytesAt }: { freeBytes?: (dir: string) => Promise<number> } = {},
): Promise<{ files: number; refused: { path: string; reason: string }[] }> {
  const entries = await listZip(file);
  const refused: { path: string; reason: string }[] = [];
  let files = 0;
  const stated = entries.filter((e) => !e.name.endsWith('/')).reduce((sum, e) => sum + e.size, 0);
  await fs.mkdir(dest, { recursive: true });
  const free = await freeBytes(dest);
  if (stated + DISK_RESERVE > free) {
    throw new ContractError('invalid_input', `the ZIP unpacks to ${gib(stated)}, and its disk has ${gib(Math.max(0, free - DISK_RESERVE))} free (keeping ${gib(DISK_RESERVE)} for the library); free some space first`);
  }
  const seen = new Set<string>();
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    for (const entry of entries) {
      if (entry.name.endsWith('/')) continue;
      const to = safeEntryPath(dest, entry.name);
      if (!to) {
        refused.push({ path: entry.name, reason: 'its name points outside the archive’s folder' });
        continue;
      }
      // Case-folded: on a case-insensitive disk A.jpg and a.jpg are one file.
      const key = to.toLowerCase();
      if (seen.has(key)) {
        refused.push({ path: entry.name, reason: 'the archive holds this name twice; the first was kept' });
        continue;
      }
      seen.add(key);
      if (entry.encrypted) {
        refused.push({ path: entry.name, reason: 'encrypted entries are not supported' });
        continue;
      }
      if (entry.method !== 0 && entry.method !== 8) {
        refused.push({ path: entry.name, reason: `compression method ${entry.method} is not supported (only stored and deflated)` });
        continue;
      }
      const local = entry.localOffset + 30 <= size ? await readAt(fh, entry.localOffset, 30) : null;
      if (!local || local.readUInt32LE(0) !== LOCAL) {
        refused.push({ path: entry.name, reason: 'its local header is damaged' });
        continue;
      }
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const source = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
      try {
        // Inside the entry's try: a name that clashes with an entry unpacked before (a file
        // "x/valid" and a folder "x/valid/…") refuses this entry, not the whole import.
        await fs.mkdir(path.dirname(to), { recursive: true });
        if (entry.compressedSize === 0) await fs.writeFile(to, Buffer.alloc(0));
        else if (entry.method === 0) await pipeline(source, new AtMost(entry.size), createWriteStream(to));
        else await pipeline(source, zlib.createInflateRaw(), new AtMost(entry.size), createWriteStream(to));
        files++;
      } catch (err) {
        source.destroy();
        // `force` ignores only ENOENT; where the path itself cannot exist (ENOTDIR) there is nothing to remove.
        await fs.rm(to, { force: true }).catch(() => {});
        refused.push({ path: entry.name, reason: `could not be unpacked: ${(err as Error).message}` });
      }
    }
  } finally {
    await fh.close();
  }
  return { files, refused };
}

/** Room left on the disk for the library itself after an unpack. */
const DISK_RESERVE = 256 * 2 ** 20;

async function freeBytesAt(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}

function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.ceil(bytes / 2 ** 20)} MB`;
}

/** Passes at most `limit` bytes, and fails on the first byte past it. */
class AtMost extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      done(new Error(`it unpacks to more than the ${this.limit} bytes it declares (a damaged or hostile archive)`));
      return;
    }
    done(null, chunk);
  }
}
