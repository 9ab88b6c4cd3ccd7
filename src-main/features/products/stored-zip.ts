import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { CENTRAL, EOCD, LOCAL, U16_MAX, U32_MAX, UTF8_NAMES, ZIP64_EOCD, ZIP64_LOCATOR } from '../../engine/zip/zip-format.js';

/**
 * A streaming ZIP writer for stored (uncompressed) entries, ZIP64 when the archive needs it.
 *
 * Hand-written because yazl (the writer we have) looks for its next entry to write by
 * scanning every entry added so far, at each step: an export of 50,000 products and their
 * frames (100,000 entries) spent most of its time in that scan (38 products/s). What an
 * export packs is JPEG/PNG/WebP already, so storing is all it needs, and a stored entry
 * whose bytes are in hand is one header and the data: the format's hard part (deflate)
 * is not here. Readers: unzip, the OS archivers, Python's zipfile and our datasets'
 * zip-reader (test/features/products checks the archive with them).
 */

/** Made by Unix (3), spec 4.5: so the external attributes below are read as file modes. */
const MADE_BY = (3 << 8) | 45;
const FILE_MODE = 0o100644;

interface CentralEntry {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

export class StoredZipWriter {
  /** The archive's bytes; `add` returns what its write returned (false: wait for 'drain'). */
  readonly stream = new PassThrough();
  private readonly entries: CentralEntry[] = [];
  private offset = 0;
  private ended = false;

  add(name: string, data: Buffer, modified = new Date()): boolean {
    if (this.ended) throw new Error('the ZIP is already finished');
    // One entry of 4 GiB or more would need ZIP64 sizes in its local header; no image is that big.
    if (data.length >= U32_MAX) throw new Error(`${name} is too large for the archive (${data.length} bytes)`);
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > U16_MAX) throw new Error('entry name too long');
    const { time, date } = dosDateTime(modified);
    const crc = zlib.crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL, 0);
    header.writeUInt16LE(20, 4); // version needed: 2.0 (stored)
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(0, 8); // method: stored
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(0, 28);
    this.entries.push({ name: nameBytes, crc, size: data.length, offset: this.offset, time, date });
    this.offset += header.length + nameBytes.length + data.length;
    this.stream.write(header);
    this.stream.write(nameBytes);
    return this.stream.write(data);
  }

  /** Writes the central directory and ends the stream. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const start = this.offset;
    for (const e of this.entries) this.writeCentral(e);
    const size = this.offset - start;
    const count = this.entries.length;
    const needs64 = count >= U16_MAX || start >= U32_MAX || size >= U32_MAX;
    if (needs64) {
      const zip64At = this.offset;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(ZIP64_EOCD, 0);
      record.writeBigUInt64LE(44n, 4); // size of the rest of this record
      record.writeUInt16LE(MADE_BY, 12);
      record.writeUInt16LE(45, 14);
      record.writeUInt32LE(0, 16); // this disk
      record.writeUInt32LE(0, 20); // disk with the central directory
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(size), 40);
      record.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(ZIP64_LOCATOR, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(zip64At), 8);
      locator.writeUInt32LE(1, 16); // disks in all
      this.emit(record);
      this.emit(locator);
    }
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(EOCD, 0);
    eocd.writeUInt16LE(Math.min(count, U16_MAX), 8);
    eocd.writeUInt16LE(Math.min(count, U16_MAX), 10);
    eocd.writeUInt32LE(Math.min(size, U32_MAX), 12);
    eocd.writeUInt32LE(Math.min(start, U32_MAX), 16);
    this.emit(eocd);
    this.stream.end();
  }

  private writeCentral(e: CentralEntry): void {
    // Past 4 GiB an entry's offset moves into a ZIP64 extra field (sizes stay 32-bit: see add).
    const far = e.offset >= U32_MAX;
    const extra = Buffer.alloc(far ? 12 : 0);
    if (far) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(e.offset), 4);
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL, 0);
    header.writeUInt16LE(MADE_BY, 4);
    header.writeUInt16LE(far ? 45 : 20, 6);
    header.writeUInt16LE(UTF8_NAMES, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(e.time, 12);
    header.writeUInt16LE(e.date, 14);
    header.writeUInt32LE(e.crc, 16);
    header.writeUInt32LE(e.size, 20);
    header.writeUInt32LE(e.size, 24);
    header.writeUInt16LE(e.name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt16LE(0, 32); // comment
    header.writeUInt16LE(0, 34); // disk
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
    header.writeUInt32LE(far ? U32_MAX : e.offset, 42);
    this.emit(header);
    this.emit(e.name);
    if (extra.length) this.emit(extra);
  }

  private emit(bytes: Buffer): void {
    this.offset += bytes.length;
    this.stream.write(bytes);
  }
}

/** MS-DOS date and time (local time, 2-second steps, from 1980), as ZIP headers keep them. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
