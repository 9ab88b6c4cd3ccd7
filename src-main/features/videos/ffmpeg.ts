/**
 * Finding ffmpeg and running it. There is no ffprobe here (the @ffmpeg-installer
 * package ships ffmpeg alone, and users' systems often lack it too), so probing parses
 * what `ffmpeg -i` prints: see probe.ts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type FfmpegSource = 'env' | 'installer' | 'path';

export interface FfmpegInfo {
  path: string;
  /** Where it was found: FFMPEG_PATH, the @ffmpeg-installer package, or the system PATH. */
  source: FfmpegSource;
  /** The first line of `ffmpeg -version`. */
  version: string;
}

/** No usable ffmpeg: `tried` says where we looked and why each place failed. */
export class FfmpegMissingError extends Error {
  readonly code = 'ffmpeg_missing';
  constructor(
    message: string,
    readonly tried: string[],
  ) {
    super(message);
    this.name = 'FfmpegMissingError';
  }
}

export interface ResolveOptions {
  /** Defaults to process.env; FFMPEG_PATH in it wins over every other source. */
  env?: NodeJS.ProcessEnv;
  /** Skip the npm package (tests use this to reach the PATH step). */
  skipInstaller?: boolean;
}

const cache = new Map<string, Promise<FfmpegInfo>>();

/**
 * ffmpeg from FFMPEG_PATH, else @ffmpeg-installer/ffmpeg, else `ffmpeg` on PATH; checked
 * by running `-version`. A FFMPEG_PATH that does not run is an error naming it, not a
 * silent fallback: a user who set it wants that binary. Resolved once per environment.
 */
export function resolveFfmpeg(options: ResolveOptions = {}): Promise<FfmpegInfo> {
  const env = options.env ?? process.env;
  const key = JSON.stringify([env.FFMPEG_PATH ?? null, env.PATH ?? null, options.skipInstaller ?? false]);
  let pending = cache.get(key);
  if (!pending) {
    pending = findFfmpeg(env, options.skipInstaller ?? false);
    cache.set(key, pending);
    // A failure is not cached: the user may install ffmpeg and try again.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function findFfmpeg(env: NodeJS.ProcessEnv, skipInstaller: boolean): Promise<FfmpegInfo> {
  const tried: string[] = [];
  const fromEnv = env.FFMPEG_PATH?.trim();
  if (fromEnv) {
    const version = await versionOf(fromEnv);
    if (typeof version === 'string') return { path: fromEnv, source: 'env', version };
    throw new FfmpegMissingError(`FFMPEG_PATH is set to ${fromEnv}, which does not run as ffmpeg: ${version.reason}`, [`FFMPEG_PATH=${fromEnv}: ${version.reason}`]);
  }
  if (!skipInstaller) {
    const installed = await installerPath();
    if (typeof installed === 'string') {
      const version = await versionOf(installed);
      if (typeof version === 'string') return { path: installed, source: 'installer', version };
      tried.push(`@ffmpeg-installer/ffmpeg (${installed}): ${version.reason}`);
    } else {
      tried.push(`@ffmpeg-installer/ffmpeg: ${installed.reason}`);
    }
  }
  const onPath = findOnPath(env.PATH ?? '', process.platform === 'win32' ? ['ffmpeg.exe', 'ffmpeg'] : ['ffmpeg']);
  if (onPath) {
    const version = await versionOf(onPath);
    if (typeof version === 'string') return { path: onPath, source: 'path', version };
    tried.push(`${onPath} (PATH): ${version.reason}`);
  } else {
    tried.push('ffmpeg on PATH: not found');
  }
  throw new FfmpegMissingError(`ffmpeg was not found; install it or set FFMPEG_PATH to the ffmpeg binary (tried: ${tried.join('; ')})`, tried);
}

/**
 * The npm package's binary. A dynamic import inside try/catch: the package (and its
 * per-platform optional dependency) may be absent, and it throws a string on platforms it
 * does not support; neither may break the app.
 */
async function installerPath(): Promise<string | { reason: string }> {
  try {
    const mod = (await import('@ffmpeg-installer/ffmpeg')) as { default?: { path?: unknown }; path?: unknown };
    const p = mod.default?.path ?? mod.path;
    if (typeof p !== 'string') return { reason: 'the package gave no path' };
    // Packaged by electron-builder, the package's path points into app.asar, where nothing can
    // be executed; the binary itself is unpacked beside it (asarUnpack).
    return p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  } catch (err) {
    return { reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

function findOnPath(searchPath: string, names: string[]): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

async function versionOf(binary: string): Promise<string | { reason: string }> {
  try {
    const { code, stdout, stderr } = await runCaptured(binary, ['-hide_banner', '-version'], { timeoutMs: 15_000 });
    const first = stdout.split('\n')[0]?.trim() ?? '';
    if (code === 0 && /^ffmpeg version /.test(first)) return first;
    if (code === 0) return { reason: `it printed "${first.slice(0, 80)}" to -version, not an ffmpeg version` };
    return { reason: `-version exited with ${code}${stderr.trim() ? `: ${lastLines(stderr, 1)}` : ''}` };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a short ffmpeg command to completion and captures its output (kept to the last
 * 256 KiB of each stream). Spawn failures (ENOENT, EACCES) reject.
 */
export function runCaptured(binary: string, args: string[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out = new TailBuffer(256 * 1024);
    const err = new TailBuffer(256 * 1024);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const kill = () => child.kill('SIGKILL');
    const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : null;
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      resolve({ code, signal, stdout: out.text(), stderr: err.text() });
    });
  });
}

/** The last bytes written to a stream: enough for ffmpeg's reason without holding a long log. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.limit) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

export function lastLines(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}
