import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ContractError } from '../../src-shared/contract/index.js';
import { newId } from './ids.js';

/**
 * Staging for files that arrive by upload (web mode) rather than as local paths.
 * An upload is kept until the import that names it has finished, so an interrupted
 * import can be run again from the same bytes.
 */
export class UploadStaging {
  readonly dir: string;

  constructor(dataDir: string, readonly maxBytes = 2 * 1024 ** 3) {
    this.dir = path.join(dataDir, 'uploads');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  async receive(body: Readable): Promise<{ uploadId: string; bytes: number }> {
    const uploadId = newId();
    const target = this.pathOf(uploadId);
    const tmp = `${target}.part`;
    let bytes = 0;
    const limit = this.maxBytes;
    try {
      await pipeline(
        body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            if (bytes > limit) throw new ContractError('invalid_input', `upload is larger than ${limit} bytes`);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return { uploadId, bytes };
  }

  pathOf(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new ContractError('invalid_input', `not an upload id: ${uploadId}`);
    return path.join(this.dir, uploadId);
  }

  async exists(uploadId: string): Promise<boolean> {
    return fs.access(this.pathOf(uploadId)).then(
      () => true,
      () => false,
    );
  }

  async discard(uploadIds: readonly string[]): Promise<void> {
    await Promise.all(uploadIds.map((id) => fs.rm(this.pathOf(id), { force: true })));
  }
}
