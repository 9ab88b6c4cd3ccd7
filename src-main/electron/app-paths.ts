import path from 'node:path';

/**
 * Where the built pieces of the desktop app are, relative to the app root (the folder
 * with package.json in development, app.asar when packaged). scripts/build.mjs and
 * scripts/build-electron.mjs produce exactly these.
 */
export function appPaths(appRoot: string) {
  return {
    renderer: path.join(appRoot, 'dist', 'renderer'),
    preload: path.join(appRoot, 'dist', 'preload', 'preload.cjs'),
    engineHost: path.join(appRoot, 'dist', 'src-main', 'engine-host', 'main.js'),
    icon: path.join(appRoot, 'resources', 'icon.png'),
  };
}

export type EngineRuntimeChoice = 'auto' | 'utility' | 'node';

/**
 * `ATOLYE_ENGINE_RUNTIME=utility|node` forces where the engine runs; `auto` (default)
 * uses the utility process and, unpackaged only, falls back to Node when native modules
 * were built for Node rather than Electron.
 */
export function engineRuntimeChoice(env: NodeJS.ProcessEnv = process.env): EngineRuntimeChoice {
  const v = env.ATOLYE_ENGINE_RUNTIME?.trim().toLowerCase();
  return v === 'utility' || v === 'node' ? v : 'auto';
}

/** Requests app pages must never make: the renderer has no business on the network. */
export function isNetworkUrl(url: string): boolean {
  return /^(https?|wss?|ftp):/i.test(url);
}
