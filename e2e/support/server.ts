import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** The URL with ?token=…, which signs a browser in. */
  loginUrl: string;
  token: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The real thing, as a user starts it: `atolye serve` in its own process on a data dir.
 * A process (rather than the engine in the test runner) so a test can stop it and start
 * it again on the same library, which is what a restart is.
 */
export async function startServerProcess(dataDir: string, options: { port?: number } = {}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src-main/cli/main.ts', '--data-dir', dataDir, 'serve', '--port', String(options.port ?? 0)],
    { cwd: repoRoot, env: { ...process.env, ATOLYE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`atolye serve printed no URL within 60 s. Output:\n${output}`)), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`atolye serve exited (${code}) before printing its URL. Output:\n${output}`)));
  });
  // Keep draining, or a chatty server blocks on a full pipe.
  child.stdout!.on('data', () => undefined);
  child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[atolye serve] ${c}`));
  const u = new URL(loginUrl);
  return {
    url: `${u.origin}/`,
    loginUrl,
    token: u.searchParams.get('token')!,
    port: Number(u.port),
    dataDir,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // SIGTERM: the CLI closes the server and the engine cleanly (what a user's Ctrl+C does).
    child.kill('SIGTERM');
  });
}
