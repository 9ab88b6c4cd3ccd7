/**
 * A trained model as a ZIP (model.onnx, config.json, metrics.json, manifest.json): a
 * stream for web mode's download, or a file written atomically (temp + rename) for the
 * desktop app and the CLI. yazl, as the other features' ZIPs.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { withoutAccents } from '../../../src-shared/search-fold.js';
import { ContractError } from '../../../src-shared/contract/index.js';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export function zipStream(entries: readonly ZipEntry[]): Readable {
  const zip = new yazl.ZipFile();
  const out = new PassThrough();
  zip.outputStream.on('error', (err) => out.destroy(err));
  zip.outputStream.pipe(out);
  for (const e of entries) zip.addBuffer(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength), e.name, { compress: !e.name.endsWith('.onnx') });
  zip.end();
  return out;
}

/** Writes the ZIP to destPath through a temp file: a failed write leaves nothing half-written there. */
export async function writeZip(entries: readonly ZipEntry[], destPath: string): Promise<{ path: string; bytes: number }> {
  // Refused with a reason the UI can word, before anything is written: a relative path
  // would land wherever the engine happens to run, a folder would be replaced.
  if (!path.isAbsolute(destPath)) throw new ContractError('invalid_input', `${destPath} is not an absolute path: choose where to save the model`);
  const dir = await fs.stat(path.dirname(destPath)).catch(() => null);
  if (!dir?.isDirectory()) throw new ContractError('not_found', `there is no folder ${path.dirname(destPath)} to save the model in`);
  if ((await fs.stat(destPath).catch(() => null))?.isDirectory()) throw new ContractError('invalid_input', `${destPath} is a folder: choose a file name`);
  // Unique per write: two saves to one destination must not share a temp file.
  const tmp = `${destPath}.${process.pid}-${randomUUID().slice(0, 8)}.partial`;
  try {
    await pipeline(zipStream(entries), (await fs.open(tmp, 'w')).createWriteStream());
    await fs.rename(tmp, destPath);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return { path: destPath, bytes: (await fs.stat(destPath)).size };
}

/** A file name from a model name: letters, digits, dots, dashes and underscores only. */
export function zipFileName(name: string): string {
  // Accents are dropped, not turned into dashes ("Süt Ürünleri" → "Sut-Urunleri").
  const stem =
    withoutAccents(name)
      .replace(/[^\w.-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '') || 'model';
  return `${stem.slice(0, 80)}.zip`;
}
