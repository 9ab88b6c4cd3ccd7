import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DownloadOptions {
  url: string;
  /** The partial file; kept between attempts (and restarts) so a download resumes. */
  partPath: string;
  /** Expected size, when known: a server that says otherwise is refused before any byte is kept. */
  expectedBytes?: number | null;
  /** Required: nothing is accepted without a checksum. */
  expectedSha256: string;
  signal?: AbortSignal;
  onProgress?: (received: number, total: number) => void;
  /** Attempts after a dropped connection, each resuming where the last stopped. */
  retries?: number;
  retryDelayMs?: number;
}

export class DownloadError extends Error {
  constructor(
    message: string,
    /** corrupt: the bytes are wrong and were discarded; the rest are worth retrying later. */
    readonly kind: 'corrupt' | 'http' | 'network' | 'aborted',
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

/**
 * Fetches `url` into `partPath` with HTTP Range resumption, then checks the sha256 of
 * the whole file. Resolves with the verified size; the caller moves the file into the
 * store. A checksum mismatch deletes the partial file (those bytes can never become
 * right); a dropped connection keeps it, and the next attempt asks for the rest.
 *
 * Built on fetch (undici) rather than a download library: Range, redirects and abort
 * are all it needs, and the loopback tests exercise every branch.
 */
export async function downloadVerified(o: DownloadOptions): Promise<{ bytes: number; sha256: string }> {
  const retries = o.retries ?? 5;
  let attempt = 0;
  for (;;) {
    if (o.signal?.aborted) throw new DownloadError('download cancelled', 'aborted');
    try {
      const complete = await fetchOnce(o);
      if (complete) break;
      throw new DownloadError('the connection closed before the file was complete', 'network');
    } catch (err) {
      if (o.signal?.aborted) throw new DownloadError('download cancelled', 'aborted');
      if (err instanceof DownloadError && err.kind !== 'network') throw err;
      if (attempt++ >= retries) {
        throw new DownloadError(`download failed after ${attempt} attempts: ${(err as Error).message}`, 'network');
      }
      await sleep((o.retryDelayMs ?? 500) * attempt, undefined, { signal: o.signal }).catch(() => {});
    }
  }
  const { size } = await fs.stat(o.partPath);
  const sha256 = await hashFile(o.partPath);
  if (sha256 !== o.expectedSha256) {
    await fs.rm(o.partPath, { force: true });
    throw new DownloadError(`checksum mismatch: expected sha256 ${o.expectedSha256}, got ${sha256}; the file was discarded`, 'corrupt');
  }
  return { bytes: size, sha256 };
}

/** One request. Returns true when the file is complete. */
async function fetchOnce(o: DownloadOptions): Promise<boolean> {
  let have = await fs.stat(o.partPath).then((s) => s.size, () => 0);
  if (o.expectedBytes != null && have > o.expectedBytes) {
    // More bytes than the file has: the partial file belongs to something else.
    await fs.rm(o.partPath, { force: true });
    have = 0;
  }
  if (o.expectedBytes != null && have === o.expectedBytes) return true;

  let response: Response;
  try {
    response = await fetch(o.url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: o.signal, redirect: 'follow' });
  } catch (err) {
    throw new DownloadError(`cannot reach ${new URL(o.url).host}: ${describeCause(err)}`, 'network');
  }
  let total: number;
  let flags: 'a' | 'w';
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      await response.body?.cancel();
      // A range we did not ask for: start over rather than splice mismatched bytes.
      await fs.rm(o.partPath, { force: true });
      throw new DownloadError('the server answered a different byte range; starting again', 'network');
    }
    total = range[3] === '*' ? (o.expectedBytes ?? 0) : Number(range[3]);
    flags = 'a';
  } else if (response.status === 200) {
    total = Number(response.headers.get('content-length') ?? o.expectedBytes ?? 0);
    flags = 'w'; // the server ignored Range: the whole file comes again
    have = 0;
  } else if (response.status === 416 && o.expectedBytes == null) {
    await response.body?.cancel();
    return true; // we already have every byte
  } else {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DownloadError(`${o.url} answered HTTP ${response.status}`, retryable ? 'network' : 'http');
  }
  if (o.expectedBytes != null && total && total !== o.expectedBytes) {
    await response.body?.cancel();
    throw new DownloadError(`the server offers ${total} bytes, the manifest says ${o.expectedBytes}; refusing the file`, 'corrupt');
  }
  if (!response.body) throw new DownloadError('empty response', 'network');

  const file = await fs.open(o.partPath, flags);
  let received = have;
  o.onProgress?.(received, total);
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      await file.write(chunk);
      received += chunk.length;
      o.onProgress?.(received, total);
    }
  } catch (err) {
    if (o.signal?.aborted) throw new DownloadError('download cancelled', 'aborted');
    throw new DownloadError(`the connection dropped at ${received} bytes: ${describeCause(err)}`, 'network');
  } finally {
    await file.sync().catch(() => {});
    await file.close();
  }
  return total === 0 || received >= total;
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function describeCause(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
