#!/usr/bin/env node
// `npm run test:e2e:electron`: builds the app and runs the Electron suite when the
// Electron binary is installed; otherwise prints why it is skipped and exits 0.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from '../scripts/build-electron.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = electronBinary();
if (!binary) {
  console.log('e2e-electron: skipped: the Electron binary is not installed (node_modules/electron has no dist/; `npx install-electron` needs internet).');
  process.exit(0);
}
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;
const built = run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]);
if (built !== 0) process.exit(built);
process.exit(run(path.join(root, 'node_modules', '.bin', 'playwright'), ['test', '-c', 'e2e-electron/playwright.config.ts', ...process.argv.slice(2)]));
