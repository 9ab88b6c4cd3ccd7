#!/usr/bin/env node
// Builds what the app runs from:
//   dist/src-main, dist/src-shared   engine, server, CLI, engine host (tsc)
//   dist/renderer                     the React UI (vite)
//   dist/electron, dist/preload       the desktop shell (scripts/build-electron.mjs, esbuild)
// `--renderer` builds only the UI (what the browser tests need).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--renderer') ? 'renderer' : 'all';

function step(label, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`build: ${label} failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`build: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

step('renderer (vite)', bin('vite'), ['build', '--logLevel', 'warn']);
if (only === 'all') {
  step('engine (tsc)', bin('tsc'), ['-p', 'tsconfig.build.json']);
  if (existsSync(path.join(root, 'scripts', 'build-electron.mjs'))) step('desktop shell (esbuild)', process.execPath, ['scripts/build-electron.mjs']);
}
