import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Durable file writes for index files: the writer fills a temp file beside the
 * destination, the bytes are fsynced, then renamed over it and the folder entry is
 * fsynced, so a crash leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(dest: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await write(tmp);
    await fsyncPath(tmp);
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(dest));
}

export async function fsyncPath(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Directories cannot be opened for fsync on Windows; the rename is durable enough there.
  if (process.platform === 'win32') return;
  await fsyncPath(dir);
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
