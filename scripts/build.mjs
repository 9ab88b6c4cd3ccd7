#!/usr/bin/env node
// Builds what the app runs from:
//   dist/src-main, dist/src-shared   engine, server, CLI, engine host (tsc)
//   dist/renderer                     the React UI (vite)
//   dist/electron, dist/preload       the desktop shell (scripts/build-electron.mjs, esbuild)
// `--renderer` builds only the UI (what the browser tests need).
//
// A step whose inputs are unchanged since it last succeeded is skipped, so a second
// `npm start` shows its URL in seconds: dist/.build-inputs.json keeps, per step, a
// fingerprint of its input files (path, size and modification time: a stat per file, no
// reading; an edit, a checkout or a new dependency changes it). `--force` builds anyway.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--renderer') ? 'renderer' : 'all';
const force = process.argv.includes('--force');
const manifestFile = path.join(root, 'dist', '.build-inputs.json');

/** Shared by every step: dependencies, compiler settings, this script. */
const common = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];

/** Each step: its command, the files and folders it reads, and one file it writes (gone: build again). */
const steps = [
  {
    label: 'renderer (vite)',
    command: [bin('vite'), ['build', '--logLevel', 'warn']],
    inputs: [...common, 'vite.config.ts', 'src-renderer', 'src-shared'],
    output: 'dist/renderer/index.html',
  },
  {
    label: 'engine (tsc)',
    command: [bin('tsc'), ['-p', 'tsconfig.build.json']],
    inputs: [...common, 'tsconfig.build.json', 'src-main', 'src-shared'],
    output: 'dist/src-main/cli/main.js',
    all: true,
  },
  {
    label: 'desktop shell (esbuild)',
    command: [process.execPath, ['scripts/build-electron.mjs']],
    inputs: [...common, 'scripts/build-electron.mjs', 'src-main', 'src-preload', 'src-shared'],
    output: 'dist/electron/main.cjs',
    all: true,
    when: () => existsSync(path.join(root, 'scripts', 'build-electron.mjs')),
  },
];

function bin(name) {
  return path.join(root, 'node_modules', '.bin', name);
}

/** A fingerprint of files and folders (recursively): each file's path, size and mtime. */
function fingerprint(inputs) {
  const lines = [];
  const visit = (rel) => {
    let st;
    try {
      st = statSync(path.join(root, rel));
    } catch {
      lines.push(`${rel}\0missing`);
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path.join(root, rel)).sort()) visit(path.join(rel, name));
    } else lines.push(`${rel}\0${st.size}\0${st.mtimeMs}`);
  };
  for (const input of inputs) visit(input);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    return {};
  }
}

function run(label, [command, args]) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`build: ${label} failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`build: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

for (const step of steps) {
  if (step.all && only !== 'all') continue;
  if (step.when && !step.when()) continue;
  const before = fingerprint(step.inputs);
  const manifest = readManifest();
  if (!force && manifest[step.label] === before && existsSync(path.join(root, step.output))) {
    console.log(`build: ${step.label} is up to date (inputs unchanged; --force builds anyway)`);
    continue;
  }
  run(step.label, step.command);
  // Recorded as it was before the build: a file edited during the build is seen next time.
  mkdirSync(path.dirname(manifestFile), { recursive: true });
  writeFileSync(manifestFile, JSON.stringify({ ...readManifest(), [step.label]: before }, null, 2));
}
