/**
 * The two ways to run the engine host. In the app: Electron's utility process (a Node
 * environment started by Chromium's service manager, off the main thread, sandbox-free
 * so native modules load). In development, when better-sqlite3 was built for the system
 * Node rather than for Electron (the usual state: the tests need it that way), a plain
 * Node child process with the same protocol.
 * Typed against small structural interfaces so this file needs no electron import.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HostMessage, HostRequest } from '../engine-host/protocol.js';
import type { EngineProcess, EngineRuntime } from './engine-client.js';

/** The part of Electron's `utilityProcess` module used here. */
export interface UtilityProcessApi {
  fork(
    modulePath: string,
    args?: string[],
    options?: { env?: Record<string, string | undefined>; serviceName?: string; stdio?: 'inherit' | 'pipe' | 'ignore' },
  ): UtilityChild;
}

interface UtilityChild {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface HostLaunch {
  /** The engine host entry (dist/src-main/engine-host/main.js, or the .ts with tsx). */
  entry: string;
  env?: NodeJS.ProcessEnv;
}

export function utilityRuntime(api: UtilityProcessApi, launch: HostLaunch): EngineRuntime {
  return {
    name: 'utility process',
    spawn(): EngineProcess {
      const child = api.fork(launch.entry, [], { env: { ...(launch.env ?? process.env) }, serviceName: 'Atölye engine', stdio: 'inherit' });
      return {
        postMessage: (message: HostRequest) => child.postMessage(message),
        onMessage: (listener) => void child.on('message', (message) => listener(message as HostMessage)),
        onExit: (listener) => void child.on('exit', (code) => listener(code)),
        kill: () => void child.kill(),
      };
    },
  };
}

export interface NodeLaunch extends HostLaunch {
  /** The Node executable; from Electron main this must be a real Node, not Electron itself. */
  execPath: string;
  execArgv?: string[];
}

export function nodeRuntime(launch: NodeLaunch): EngineRuntime {
  return {
    name: `node child process (${launch.execPath})`,
    spawn(): EngineProcess {
      const child = fork(launch.entry, [], {
        execPath: launch.execPath,
        execArgv: launch.execArgv ?? [],
        env: { ...(launch.env ?? process.env), ELECTRON_RUN_AS_NODE: undefined },
        // Structured clone, like Electron's ports (keeps undefined, Dates, typed arrays).
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let exited = false;
      const exitListeners: ((code: number | null) => void)[] = [];
      const onExit = (code: number | null) => {
        if (exited) return;
        exited = true;
        for (const l of exitListeners) l(code);
      };
      child.on('exit', (code, signal) => onExit(code ?? (signal ? 128 : null)));
      // A failed spawn (missing executable) emits 'error' and may never emit 'exit'.
      child.on('error', (err) => {
        console.error(`[engine] node child process: ${err.message}`);
        onExit(null);
      });
      return {
        postMessage: (message: HostRequest) => {
          if (child.connected) child.send(message);
        },
        onMessage: (listener) => void child.on('message', (message) => listener(message as HostMessage)),
        onExit: (listener) => void exitListeners.push(listener),
        kill: () => void child.kill('SIGKILL'),
      };
    },
  };
}

/**
 * A Node executable for the development fallback: `ATOLYE_NODE`, the one npm ran us
 * with (`npm_node_execpath`), or `node` on PATH. Null when none exists.
 */
export function findNodeExecutable(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  for (const candidate of [env.ATOLYE_NODE, env.npm_node_execpath]) if (candidate && isFile(candidate)) return candidate;
  const names = platform === 'win32' ? ['node.exe'] : ['node'];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const full = path.join(dir, name);
      if (isFile(full)) return full;
    }
  }
  return null;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Variables that would make a Node-based process run code other than the app's own
 * (preloaded modules, another module path, Electron as plain Node) or choose another
 * runtime. A packaged app hands none of them to its engine.
 */
const CODE_CHANGING_ENV = ['NODE_OPTIONS', 'NODE_PATH', 'NODE_REPL_EXTERNAL_MODULE', 'ELECTRON_RUN_AS_NODE', 'ATOLYE_NODE', 'ATOLYE_ENGINE_RUNTIME', 'npm_node_execpath'];

/** The environment the engine host starts with: a packaged app's has no variable that changes what code runs. */
export function engineEnv(env: NodeJS.ProcessEnv, packaged: boolean): NodeJS.ProcessEnv {
  if (!packaged) return { ...env };
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of CODE_CHANGING_ENV) delete out[name];
  return out;
}

export interface RuntimeChoiceDeps {
  /** app.isPackaged */
  packaged: boolean;
  env: NodeJS.ProcessEnv;
  /** The utility-process runtime for an environment. */
  utility: (env: NodeJS.ProcessEnv) => EngineRuntime;
  /** A Node child-process runtime for an executable and an environment. */
  node: (execPath: string, env: NodeJS.ProcessEnv) => EngineRuntime;
  findNode?: (env: NodeJS.ProcessEnv) => string | null;
  log?: (line: string) => void;
}

/**
 * Where the engine host may run. A packaged app runs it only in Electron's utility
 * process, with its own code and an environment without code-changing variables:
 * ATOLYE_ENGINE_RUNTIME, ATOLYE_NODE and PATH (a `node` on it) are development switches,
 * and honouring them in an installed app would let anyone who can set a variable for the
 * user's session run their own executable with the library's data. Unpackaged (a source
 * checkout), `node` may be forced, and `auto` falls back to Node when native modules
 * were built for Node rather than Electron.
 */
export function chooseEngineRuntimes(deps: RuntimeChoiceDeps): EngineRuntime[] {
  const env = engineEnv(deps.env, deps.packaged);
  const utility = deps.utility(env);
  if (deps.packaged) {
    if (deps.env.ATOLYE_ENGINE_RUNTIME || deps.env.ATOLYE_NODE) deps.log?.('ATOLYE_ENGINE_RUNTIME and ATOLYE_NODE are ignored in an installed app');
    return [utility];
  }
  const v = deps.env.ATOLYE_ENGINE_RUNTIME?.trim().toLowerCase();
  const choice = v === 'utility' || v === 'node' ? v : 'auto';
  if (choice === 'utility') return [utility];
  const execPath = (deps.findNode ?? findNodeExecutable)(deps.env);
  const nodeRt = execPath ? deps.node(execPath, env) : null;
  if (choice === 'node') {
    if (!nodeRt) deps.log?.('ATOLYE_ENGINE_RUNTIME=node but no Node executable was found; using the utility process');
    return [nodeRt ?? utility];
  }
  return nodeRt ? [utility, nodeRt] : [utility];
}
