import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed file store: every file is kept once, named by its sha256.
 * Writes go to a temp file in the same folder tree and are renamed into place, so a
 * reader never sees half a file and a crash leaves at most a stray temp file.
 * Safe to use from worker threads: the name is derived from the content, so two
 * writers of the same bytes race harmlessly.
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
    // Temp files left by a crash are garbage by construction.
    for (const name of await fs.readdir(this.tmpDir)) {
      if (name.endsWith('.part')) await fs.rm(path.join(this.tmpDir, name), { force: true });
    }
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores bytes; returns their sha256. */
  async putBuffer(data: Uint8Array): Promise<{ sha256: string; bytes: number }> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (!(await this.has(sha256))) {
      const tmp = this.tempPath();
      await fs.writeFile(tmp, data);
      await this.commit(tmp, sha256);
    }
    return { sha256, bytes: data.byteLength };
  }

  /** Copies a file in while hashing it in one streaming pass. */
  async putFile(source: string): Promise<{ sha256: string; bytes: number }> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        createReadStream(source),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    if (await this.has(sha256)) await fs.rm(tmp, { force: true });
    else await this.commit(tmp, sha256);
    return { sha256, bytes };
  }

  /** Stores a file whose sha256 the caller already knows and has written to `tmp` (moved, not copied). */
  async adoptTemp(tmp: string, sha256: string): Promise<void> {
    if (await this.has(sha256)) await fs.rm(tmp, { force: true });
    else await this.commit(tmp, sha256);
  }

  /** A fresh temp path inside the store's filesystem, for writers that stream. */
  tempPath(): string {
    return path.join(this.tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}.part`);
  }

  async remove(sha256: string): Promise<boolean> {
    try {
      await fs.rm(this.pathOf(sha256));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private async commit(tmp: string, sha256: string): Promise<void> {
    const dest = this.pathOf(sha256);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const handle = await fs.open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, dest);
  }
}
