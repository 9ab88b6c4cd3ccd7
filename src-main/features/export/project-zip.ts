import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { ContractError, ExportOptions, type Asset, type ExportOptions as ExportOptionsType } from '../../../src-shared/contract/index.js';
import type { Library } from '../library/public.js';
import { portableKey, portableName } from '../../engine/zip/portable-name.js';
import { readsClosedWith } from '../../engine/zip/reads-closed-with.js';

/** Already-compressed formats are stored, not deflated again: same size, far less CPU. */
const STORED = new Set(['jpeg', 'png', 'webp', 'avif', 'gif', 'heif']);

interface Entry {
  asset: Asset;
  file: string;
  name: string;
}

/** Why an export stopped: the entry's name in the ZIP and what is wrong with the library's copy. */
function damaged(name: string, what: string): ContractError {
  return new ContractError('conflict', `${name}: the library's copy ${what}; the export was stopped and no ZIP was kept`);
}

/** Which files of a project go in, and under which names. */
function entriesOf(library: Library, projectId: string, options: Partial<ExportOptionsType>): Entry[] {
  const opts = ExportOptions.parse(options);
  const project = library.getProject(projectId);
  const kinds = opts.include === 'originals' ? (['original'] as const) : opts.include === 'results' ? (['cutout', 'mask', 'composite'] as const) : (['original', 'cutout', 'mask', 'composite'] as const);
  const used = new Set<string>();
  const out: Entry[] = [];
  for (const a of library.projectFiles(project.id, kinds)) {
    if (a.kind !== 'original' && opts.operations && !opts.operations.includes(a.operation ?? '')) continue;
    const folder = a.kind === 'original' ? 'originals' : `results/${a.operation ?? a.kind}`;
    out.push({ asset: a, file: library.pathOf(a), name: unique(used, `${folder}/${safeRelPath(a.relPath)}`) });
  }
  return out;
}

/**
 * Every file is there and has its recorded size: checked before a byte is sent, so a
 * missing or truncated blob is a clear error (naming the file) rather than a broken download.
 */
async function checkPresent(entries: readonly Entry[]): Promise<void> {
  for (const e of entries) {
    const stat = await fs.stat(e.file).catch(() => null);
    if (!stat?.isFile()) throw damaged(e.name, `is missing (blob ${e.asset.sha256})`);
    if (stat.size !== e.asset.bytes) throw damaged(e.name, `is damaged: ${stat.size} bytes where ${e.asset.bytes} were stored (blob ${e.asset.sha256})`);
  }
}

/** Passes a blob through, and fails at its end unless its bytes still hash to its name. */
class VerifiedBlob extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  constructor(private readonly entry: Entry) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const sha = this.hash.digest('hex');
    if (this.bytes !== this.entry.asset.bytes || sha !== this.entry.asset.sha256) {
      done(damaged(this.entry.name, `is damaged: its content no longer matches its sha256 (blob ${this.entry.asset.sha256})`));
      return;
    }
    done();
  }
}

/**
 * A project's images as a ZIP stream: originals under originals/, derived results
 * under results/<operation>/. yazl reads each file only when the consumer pulls, so
 * memory stays flat whatever the project's size (the HTTP route pipes this straight
 * into the response). Each blob is verified against its sha256 as it streams; a missing,
 * truncated or altered one ends the stream with an error naming the file (never an
 * 'error' nobody listens to: that would take the process down).
 */
export function exportProjectZip(library: Library, projectId: string, options: Partial<ExportOptionsType> = {}): Readable {
  return zipOf(entriesOf(library, projectId, options));
}

function zipOf(entries: readonly Entry[]): Readable {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as unknown as Readable;
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  zip.on('error', fail);
  const read = readsClosedWith(out);
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.name, { compress: !STORED.has(entry.asset.format), size: entry.asset.bytes }, (cb) => {
      const source = read(entry.file);
      const verified = new VerifiedBlob(entry);
      source.on('error', (err) => verified.destroy(damaged(entry.name, `cannot be read (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
      verified.on('error', fail);
      cb(null, source.pipe(verified));
    });
  }
  zip.end();
  return out;
}

/** The web mode's download: checked for missing or truncated files before the response starts. */
export async function projectZipDownload(library: Library, projectId: string, options: Partial<ExportOptionsType> = {}): Promise<Readable> {
  const entries = entriesOf(library, projectId, options);
  await checkPresent(entries);
  return zipOf(entries);
}

/** Writes the ZIP to `dest` through a temp file, so a failure (a full disk, a damaged blob) leaves no half archive. */
export async function writeProjectZip(library: Library, projectId: string, dest: string, options: Partial<ExportOptionsType> = {}): Promise<{ path: string; bytes: number; entries: number }> {
  const target = path.resolve(dest);
  const dir = await fs.stat(path.dirname(target)).catch(() => null);
  if (!dir?.isDirectory()) throw new ContractError('invalid_input', `no folder ${path.dirname(target)} to write the ZIP into`);
  const entries = entriesOf(library, projectId, options);
  await checkPresent(entries);
  const tmp = `${target}.${process.pid}.part`;
  try {
    await pipeline(zipOf(entries), createWriteStream(tmp));
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const bytes = (await fs.stat(target)).size;
  return { path: target, bytes, entries: await countEntries(target) };
}

/**
 * Writes the same layout as the ZIP into a new folder `<destDir>/<project name>` (numbered
 * when that name is taken, so an earlier export is never overwritten or mixed in). Each
 * file is copied through a temp name and verified against its sha256 on the way; a failure
 * removes the folder so no half export is left looking complete.
 */
export async function writeProjectFolder(library: Library, projectId: string, destDir: string, options: Partial<ExportOptionsType> = {}): Promise<{ path: string; bytes: number; files: number }> {
  const parent = path.resolve(destDir);
  const dir = await fs.stat(parent).catch(() => null);
  if (!dir?.isDirectory()) throw new ContractError('invalid_input', `no folder ${parent} to export into`);
  const entries = entriesOf(library, projectId, options);
  await checkPresent(entries);
  const target = await freshFolder(parent, folderName(library.getProject(projectId).name));
  let bytes = 0;
  try {
    for (const entry of entries) {
      const file = path.join(target, ...entry.name.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.part`;
      const verified = new VerifiedBlob(entry);
      await pipeline(createReadStream(entry.file), verified, createWriteStream(tmp, { flags: 'wx' }));
      await fs.rename(tmp, file);
      bytes += entry.asset.bytes;
    }
  } catch (err) {
    await fs.rm(target, { recursive: true, force: true });
    throw err;
  }
  return { path: target, bytes, files: entries.length };
}

/** A project name as one folder name on any OS: no separators, reserved characters or trailing dots. */
function folderName(name: string): string {
  return portableName(name.replace(/^[.\s]+/, ''), 'project');
}

/** `<parent>/<name>`, or `<name> (2)`, `(3)`… : created here (mkdir without recursive fails when taken, so two exports never share one). */
async function freshFolder(parent: string, name: string): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const candidate = path.join(parent, n === 1 ? name : `${name} (${n})`);
    try {
      await fs.mkdir(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new ContractError('conflict', `${parent} already holds 10,000 exports named ${name}`);
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
    .filter((p) => p && p !== '.' && p !== '..')
    .map((p) => portableName(p, '_'));
  return parts.join('/') || 'unnamed';
}

/** A name not used yet, compared as a case-insensitive file system would (Windows, macOS). */
function unique(used: Set<string>, name: string): string {
  let candidate = name;
  for (let n = 2; used.has(portableKey(candidate)); n++) candidate = name.replace(/(\.[^./]+)?$/, (ext) => `-${n}${ext}`);
  used.add(portableKey(candidate));
  return candidate;
}
