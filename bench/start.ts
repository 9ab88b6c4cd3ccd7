/**
 * bench:start — how long `npm start` takes to print its URL when nothing changed since
 * the last build (the "a second start shows its URL in under 5 s"), next to
 * floors measured in the same run:
 *   serve: the built engine and server started directly (`dist/src-main/cli/main.js
 *          serve`), no build check: what a start costs without start.mjs;
 *   node:  a bare `node -e 0` (the runtime's own start).
 * Web mode (no Electron binary here), a fresh library per run, three runs each, medians.
 *
 *   node --import tsx bench/start.ts        (last line: JSON)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src-main/engine/package-root.js';

const RUNS = 3;
const env = { ...process.env, ATOLYE_SKIP_ELECTRON_DOWNLOAD: '1' };

/** Seconds from spawn to the printed URL; then stops the process and waits for it to exit. */
function timeToUrl(args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: packageRoot, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let seconds: number | null = null;
    const onData = (c: Buffer) => {
      text += c.toString();
      if (seconds === null && /https?:\/\/127\.0\.0\.1:\d+/.test(text)) {
        seconds = (performance.now() - started) / 1000;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => (seconds === null ? reject(new Error(`no URL printed:\n${text}`)) : resolve(seconds)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-bench-start-'));
try {
  // Bring the build up to date first: what is timed is a start with nothing changed.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: packageRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const start: number[] = [];
  const serve: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    start.push(await timeToUrl(['scripts/start.mjs', '--data-dir', path.join(work, `start-${i}`)]));
    serve.push(await timeToUrl(['dist/src-main/cli/main.js', 'serve', '--data-dir', path.join(work, `serve-${i}`)], { ATOLYE_CLI_ENTRY: '1' }));
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    node.push((performance.now() - t) / 1000);
    console.log(`run ${i + 1}: npm start ${start[i]!.toFixed(2)} s, serve alone ${serve[i]!.toFixed(2)} s, node -e 0 ${node[i]!.toFixed(2)} s`);
  }
  const [s, f, n] = [median(start), median(serve), median(node)];
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; medians of ${RUNS}`);
  console.log(
    JSON.stringify({ bench: 'start', second_start_s: round(s), serve_floor_s: round(f), node_floor_s: round(n), start_to_serve_ratio: round(s / f), under_5_s: s < 5 }),
  );
} finally {
  await fs.rm(work, { recursive: true, force: true });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
