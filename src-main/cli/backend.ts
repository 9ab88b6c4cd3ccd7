import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ContractError, type MethodInput, type MethodName, type MethodOutput } from '../../src-shared/contract/index.js';
import { createDispatcher } from '../engine/api/dispatch.js';
import type { CliBackend } from '../engine/cli-command.js';
import { readEndpoint, type LibraryHeldError } from '../engine/data-dir-lock.js';
import type { Engine } from '../engine/engine.js';
import { HttpBackend } from '../server/client.js';

/** The contract in this process: the same dispatcher the transports use, every method allowed (the `local` transport). */
export function localBackend(engine: Engine): CliBackend {
  const dispatch = createDispatcher(engine);
  return {
    call: <M extends MethodName>(name: M, input: MethodInput<M>) => dispatch(name, input) as Promise<MethodOutput<M>>,
    subscribe: (listener) => engine.events.subscribe(listener),
    ready: async () => undefined,
    saveAsset: async (assetId, dest) => {
      const file = engine.media(assetId, 'original');
      if (!file) throw new ContractError('not_found', `no asset ${assetId}`);
      const tmp = `${dest}.${process.pid}.part`;
      await fs.copyFile(file.path, tmp);
      await fs.rename(tmp, dest);
    },
    remote: null,
  };
}

/**
 * The contract of the process that holds the library (the app, `atolye serve`), reached
 * through the endpoint it published beside the lock. Every expected failure becomes one
 * sentence that says what to do, never a stack trace.
 */
export async function remoteBackend(held: LibraryHeldError): Promise<CliBackend & { close(): void }> {
  const { dataDir } = held;
  const holder = held.holder ? `pid ${held.holder.pid}` : 'another process';
  const found = readEndpoint(dataDir);
  if ('refused' in found) {
    const why = {
      missing: 'it takes no calls from the command line (only `atolye serve` and an app with its CLI endpoint on do)',
      'not-a-file': 'its endpoint file is not a plain file, so it is not trusted',
      'other-owner': 'its endpoint file belongs to another user, so it is not trusted',
      'readable-by-others': 'its endpoint file is readable by other users, so it is not trusted',
      malformed: 'its endpoint file is unreadable',
    }[found.refused];
    throw new ContractError('unavailable', `the library at ${dataDir} is open in another Atölye process (${holder}), and ${why}. Close it to run this here, or use another --data-dir`);
  }
  const { endpoint } = found;
  if (held.holder && held.holder.pid !== endpoint.pid) {
    throw new ContractError('unavailable', `the library at ${dataDir} is open in another Atölye process (${holder}), which has not published where it answers (the endpoint file is from pid ${endpoint.pid}, an earlier run). Close it to run this here, or use another --data-dir`);
  }
  const baseUrl = `http://127.0.0.1:${endpoint.port}/`;
  const http = new HttpBackend(baseUrl, endpoint.token);
  const unreachable = (err: unknown) =>
    new ContractError(
      'unavailable',
      `the library at ${dataDir} is open in another Atölye process (pid ${endpoint.pid}), but it does not answer at 127.0.0.1:${endpoint.port} (${causeOf(err)}). If it is stuck, close it and run this again`,
    );
  const call = async <M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
    try {
      return await http.call(name, input);
    } catch (err) {
      if (err instanceof ContractError) throw err;
      throw unreachable(err);
    }
  };
  // One call first, with a deadline, so a holder that is gone or stuck (it accepts the
  // connection but never answers) is told apart from a failing command.
  try {
    const res = await fetch(new URL('api/rpc/engine.info', baseUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${endpoint.token}`, 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (res.status === 401) throw new Error('it refused the credential of its endpoint file');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw unreachable(err);
  }
  return {
    call,
    subscribe: (listener) => http.subscribe(listener),
    ready: async () => {
      try {
        await http.connected();
      } catch (err) {
        throw unreachable(err);
      }
    },
    saveAsset: async (assetId, dest) => {
      let res: Response;
      try {
        res = await fetch(http.mediaUrl(assetId, 'original'), { headers: { Authorization: `Bearer ${endpoint.token}` } });
      } catch (err) {
        throw unreachable(err);
      }
      if (!res.ok || !res.body) throw new ContractError(res.status === 404 ? 'not_found' : 'internal', `cannot read asset ${assetId} from the running app (HTTP ${res.status})`);
      const tmp = `${dest}.${process.pid}.part`;
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(tmp));
      await fs.rename(tmp, dest);
    },
    remote: { pid: endpoint.pid, port: endpoint.port },
    close: () => http.close(),
  };
}

/** How long the holder has to answer its first call. */
const PROBE_TIMEOUT_MS = 10_000;

function causeOf(err: unknown): string {
  if ((err as Error)?.name === 'TimeoutError') return `no answer in ${PROBE_TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
