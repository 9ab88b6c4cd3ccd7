import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/** Helpers of the CLI tests that run `atolye` as its own process beside an engine. */
const run = promisify(execFile);
export const bin = path.resolve('bin/atolye.js');

/** Runs `atolye`; `timeoutMs` is generous because a shared machine may be slow, never a measure. */
export async function atolye(args: string[], timeoutMs = 60_000) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** `atolye serve` in its own process, holding the library; answers its login token and port. */
export async function serve(dataDir: string): Promise<{ child: ChildProcess; base: string; token: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--no-ui', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c) => {
      text += c;
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const u = new URL(url);
  return { child, base: `${u.origin}/`, token: u.searchParams.get('token')! };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** A contract call with the browser's token (what the web page holds). */
export async function rpc(base: string, token: string, method: string, input: unknown = {}) {
  const res = await fetch(new URL(`api/rpc/${method}`, base), { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
}

export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

