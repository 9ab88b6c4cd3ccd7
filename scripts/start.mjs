#!/usr/bin/env node
// `npm start`: builds, then launches the desktop app. Where the Electron binary is not
// installed (machines without internet cannot download it), says so in one line and
// serves the same UI in web mode instead, printing the URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');

/** The Electron executable if it is installed, without triggering electron's own download. */
function electronBinary() {
  if (!existsSync(path.join(electronDir, 'package.json'))) return null;
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist');
  const full = path.join(dist, rel);
  return existsSync(full) ? full : null;
}

/** One quiet attempt to fetch the binary (electron downloads lazily since v36). */
function tryDownloadElectron() {
  if (process.env.ATOLYE_SKIP_ELECTRON_DOWNLOAD || !existsSync(path.join(electronDir, 'install.js'))) return null;
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { cwd: electronDir, stdio: 'pipe', timeout: 10 * 60_000 });
  return r.status === 0 ? electronBinary() : null;
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const electron = electronBinary() ?? tryDownloadElectron();
const args = process.argv.slice(2);
const child = electron
  ? spawn(electron, [root, ...args], { cwd: root, stdio: 'inherit' })
  : (console.log('Electron binary is not installed (no internet to download it): serving the same UI in web mode instead.'),
    // The engine tsc just built (or found up to date), not bin/atolye.js: that one compiles
    // the sources through tsx at every start, seconds a second start need not spend.
    spawn(process.execPath, [path.join(root, 'dist', 'src-main', 'cli', 'main.js'), 'serve', ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ATOLYE_CLI_ENTRY: '1' } }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
