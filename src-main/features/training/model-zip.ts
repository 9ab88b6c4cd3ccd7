/**
 * A trained model as a ZIP (model.onnx, config.json, metrics.json, manifest.json): a
 * stream for web mode's download, or a file written atomically (temp + rename) for the
 * desktop app and the CLI. yazl, as the other features' ZIPs.
 */
import fs from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

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
  const tmp = `${destPath}.partial`;
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
  const stem = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  return `${stem.slice(0, 80)}.zip`;
}
