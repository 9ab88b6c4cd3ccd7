#!/usr/bin/env node
// Builds the desktop shell with esbuild:
//   dist/electron/main.cjs    Electron main (CommonJS: loads synchronously, so protocol
//                             schemes are registered before `ready`, with no ESM caveats)
//   dist/preload/preload.cjs  the preload (sandboxed preloads cannot be ES modules and
//                             can require only 'electron', so everything else is bundled)
// The engine host is NOT bundled: it is the tsc output dist/src-main/engine-host/main.js,
// because the engine starts worker threads from files next to its own modules.
// Importable: `buildElectron()`, `electronBinary()`, `electronEntries`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What `electron .` runs and what main loads, relative to the repository root. */
export const electronEntries = {
  main: 'dist/electron/main.cjs',
  preload: 'dist/preload/preload.cjs',
  engineHost: 'dist/src-main/engine-host/main.js',
  renderer: 'dist/renderer/index.html',
};

/** Native or runtime-resolved packages stay outside the bundles (loaded from node_modules). */
const external = ['electron', 'better-sqlite3', 'sharp', 'onnxruntime-node'];

export async function buildElectron({ outDir = path.join(root, 'dist'), minify = false } = {}) {
  const common = { bundle: true, sourcemap: 'linked', legalComments: 'none', logLevel: 'warning', minify, external, absWorkingDir: root };
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(root, 'src-main/electron/main.ts')],
      outfile: path.join(outDir, 'electron/main.cjs'),
      platform: 'node',
      format: 'cjs',
      target: 'node22',
    }),
    build({
      ...common,
      entryPoints: [path.join(root, 'src-preload/preload.ts')],
      outfile: path.join(outDir, 'preload/preload.cjs'),
      platform: 'browser',
      format: 'cjs',
      target: 'chrome140',
    }),
  ]);
  return { main: path.join(outDir, 'electron/main.cjs'), preload: path.join(outDir, 'preload/preload.cjs') };
}

/**
 * The Electron executable if it is installed, or null. Never `require('electron')`:
 * that starts a download when the binary is missing.
 */
export function electronBinary() {
  const electronDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const full = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist'), rel);
  return existsSync(full) ? full : null;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildElectron({ minify: process.argv.includes('--minify') });
  console.log(`build-electron: ${path.relative(root, out.main)}, ${path.relative(root, out.preload)}`);
  const host = path.join(root, electronEntries.engineHost);
  if (!existsSync(host)) console.warn(`build-electron: ${electronEntries.engineHost} is not built yet (tsc -p tsconfig.build.json makes it)`);
}
