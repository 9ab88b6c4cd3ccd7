import fs from 'node:fs/promises';

/**
 * Reads the points back out of an hnswlib index file (`HierarchicalNSW::saveIndex`).
 * hnswlib-node only hands a stored vector back through `getPoint`, which builds a JS
 * array element by element (≈1 ms for 2,080 floats, so minutes for 100,000 points);
 * compaction and the exact-search copy need every live vector, so this reads them in
 * large sequential chunks instead. Every header field is cross-checked against the
 * others and the file size, so a format change in a future hnswlib fails loudly here
 * (and the round-trip test against `getPoint` catches it).
 *
 * Layout (hnswlib 0.8, little-endian, 64-bit size_t): a 96-byte header, then for each
 * internal id a level-0 record of `sizeDataPerElement` bytes:
 *   u32 link count (bits 0-15) | delete mark (byte 2, bit 0), maxM0 × u32 links,
 *   dim × f32 vector, u64 label
 * then the upper-level link lists.
 */

const HEADER_BYTES = 96;
const DELETE_MARK = 0x01;
const CHUNK_BYTES = 8 << 20;

export interface HnswFileHeader {
  maxElements: number;
  elementCount: number;
  sizeDataPerElement: number;
  labelOffset: number;
  dataOffset: number;
  maxM0: number;
  M: number;
  efConstruction: number;
  dim: number;
}

export async function readHnswHeader(file: string): Promise<HnswFileHeader> {
  const handle = await fs.open(file, 'r');
  try {
    return await readHeader(handle, file);
  } finally {
    await handle.close();
  }
}

/**
 * Calls `visit` once per stored point in internal-id order. `vector` is a view into a
 * reused buffer, valid only during the call: copy what you keep.
 */
export async function forEachHnswPoint(
  file: string,
  visit: (label: number, deleted: boolean, vector: Float32Array) => void,
): Promise<HnswFileHeader> {
  const handle = await fs.open(file, 'r');
  try {
    const h = await readHeader(handle, file);
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / h.sizeDataPerElement));
    // A fresh ArrayBuffer starts 8-aligned and every record is a multiple of 4 bytes, so
    // the vectors can be viewed as Float32Array in place.
    const buf = new Uint8Array(perChunk * h.sizeDataPerElement);
    const view = new DataView(buf.buffer);
    for (let first = 0; first < h.elementCount; first += perChunk) {
      const n = Math.min(perChunk, h.elementCount - first);
      const bytes = n * h.sizeDataPerElement;
      const { bytesRead } = await handle.read(buf, 0, bytes, HEADER_BYTES + first * h.sizeDataPerElement);
      if (bytesRead !== bytes) throw new Error(`${file}: truncated hnswlib index (level 0 ends early)`);
      for (let i = 0; i < n; i++) {
        const base = i * h.sizeDataPerElement;
        const deleted = (buf[base + 2]! & DELETE_MARK) !== 0;
        const lo = view.getUint32(base + h.labelOffset, true);
        const hi = view.getUint32(base + h.labelOffset + 4, true);
        if (hi !== 0) throw new Error(`${file}: label above 2^32 at internal id ${first + i}; not written by this module`);
        visit(lo, deleted, new Float32Array(buf.buffer, base + h.dataOffset, h.dim));
      }
    }
    return h;
  } finally {
    await handle.close();
  }
}

async function readHeader(handle: fs.FileHandle, file: string): Promise<HnswFileHeader> {
  const { size } = await handle.stat();
  const buf = new Uint8Array(HEADER_BYTES);
  const { bytesRead } = await handle.read(buf, 0, HEADER_BYTES, 0);
  if (bytesRead !== HEADER_BYTES) throw new Error(`${file}: too short for an hnswlib index (${size} bytes)`);
  const v = new DataView(buf.buffer);
  const u64 = (at: number) => {
    const value = v.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${file}: not an hnswlib index (header field at ${at} is ${value})`);
    return Number(value);
  };
  const offsetLevel0 = u64(0);
  const h: HnswFileHeader = {
    maxElements: u64(8),
    elementCount: u64(16),
    sizeDataPerElement: u64(24),
    labelOffset: u64(32),
    dataOffset: u64(40),
    maxM0: u64(64),
    M: u64(72),
    efConstruction: u64(88),
    dim: 0,
  };
  h.dim = (h.labelOffset - h.dataOffset) / 4;
  const consistent =
    offsetLevel0 === 0 &&
    h.elementCount <= h.maxElements &&
    h.maxM0 === 2 * h.M &&
    h.dataOffset === 4 + 4 * h.maxM0 &&
    Number.isInteger(h.dim) &&
    h.dim > 0 &&
    h.sizeDataPerElement === h.labelOffset + 8 &&
    size >= HEADER_BYTES + h.elementCount * h.sizeDataPerElement;
  if (!consistent) throw new Error(`${file}: not an hnswlib index this module can read (inconsistent header)`);
  return h;
}
