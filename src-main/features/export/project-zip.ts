import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { ContractError, ExportOptions, type ExportOptions as ExportOptionsType } from '../../../src-shared/contract/index.js';
import type { Library } from '../library/public.js';

/** Already-compressed formats are stored, not deflated again: same size, far less CPU. */
const STORED = new Set(['jpeg', 'png', 'webp', 'avif', 'gif', 'heif']);

/**
 * A project's images as a ZIP stream: originals under originals/, derived results
 * under results/<operation>/. yazl reads each file only when the consumer pulls, so
 * memory stays flat whatever the project's size (the HTTP route pipes this straight
 * into the response).
 */
export function exportProjectZip(library: Library, projectId: string, options: Partial<ExportOptionsType> = {}): Readable {
  const opts = ExportOptions.parse(options);
  const project = library.getProject(projectId);
  const kinds = opts.include === 'originals' ? (['original'] as const) : opts.include === 'results' ? (['cutout', 'mask', 'composite'] as const) : (['original', 'cutout', 'mask', 'composite'] as const);
  const zip = new yazl.ZipFile();
  const used = new Set<string>();
  for (const a of library.projectFiles(project.id, kinds)) {
    if (a.kind !== 'original' && opts.operations && !opts.operations.includes(a.operation ?? '')) continue;
    const folder = a.kind === 'original' ? 'originals' : `results/${a.operation ?? a.kind}`;
    const name = unique(used, `${folder}/${safeRelPath(a.relPath)}`);
    zip.addFile(library.pathOf(a), name, { compress: !STORED.has(a.format) });
  }
  zip.end();
  return zip.outputStream as unknown as Readable;
}

/** Writes the ZIP to `dest` through a temp file, so a failure (a full disk) leaves no half archive. */
export async function writeProjectZip(library: Library, projectId: string, dest: string, options: Partial<ExportOptionsType> = {}): Promise<{ path: string; bytes: number; entries: number }> {
  const target = path.resolve(dest);
  const dir = await fs.stat(path.dirname(target)).catch(() => null);
  if (!dir?.isDirectory()) throw new ContractError('invalid_input', `no folder ${path.dirname(target)} to write the ZIP into`);
  const tmp = `${target}.${process.pid}.part`;
  const stream = exportProjectZip(library, projectId, options);
  try {
    await pipeline(stream, createWriteStream(tmp));
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const bytes = (await fs.stat(target)).size;
  return { path: target, bytes, entries: await countEntries(target) };
}

/** Reads the entry count from the end-of-central-directory record (zip64 aware enough for yazl's output). */
async function countEntries(file: string): Promise<number> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const len = Math.min(size, 66_000);
    const buf = Buffer.alloc(len);
    await handle.read(buf, 0, len, size - len);
    for (let i = len - 22; i >= 0; i--) {
      if (buf.readUInt32LE(i) === 0x06054b50) {
        const n = buf.readUInt16LE(i + 10);
        if (n !== 0xffff) return n;
        const locator = i - 20;
        if (locator >= 0 && buf.readUInt32LE(locator) === 0x07064b50) {
          const zip64At = Number(buf.readBigUInt64LE(locator + 8)) - (size - len);
          if (zip64At >= 0) return Number(buf.readBigUInt64LE(zip64At + 32));
        }
        return n;
      }
    }
    return 0;
  } finally {
    await handle.close();
  }
}

function safeRelPath(rel: string): string {
  const parts = rel
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  return parts.join('/') || 'unnamed';
}

function unique(used: Set<string>, name: string): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n++) candidate = name.replace(/(\.[^./]+)?$/, (ext) => `-${n}${ext}`);
  used.add(candidate);
  return candidate;
}
