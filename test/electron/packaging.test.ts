import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { appPaths } from '../../src-main/electron/app-paths.js';
// @ts-expect-error: plain .mjs build script without type declarations
import { electronEntries } from '../../scripts/build-electron.mjs';
import { repoRoot } from './host-harness.js';

const require = createRequire(import.meta.url);

async function builderConfig(): Promise<Record<string, unknown> & { asarUnpack: string[]; files: string[] }> {
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(await fs.readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as never;
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(await builderConfig(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the product and ships what the app loads at run time', async () => {
    const config = await builderConfig();
    expect(config).toMatchObject({ appId: 'com.atolye.app', productName: 'Atölye', icon: 'resources/icon.png' });
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/**', 'native-models/**', 'resources/icon.png']));
    for (const file of Object.values(appPaths('.'))) {
      const top = file.split(path.sep)[0];
      expect(config.files.some((f) => f.startsWith(`${top}/`)), file).toBe(true);
    }
  });

  it('keeps native modules and worker entry files out of the asar', async () => {
    const { asarUnpack } = await builderConfig();
    for (const pkg of ['better-sqlite3', 'sharp', '@img', 'onnxruntime-node']) expect(asarUnpack).toContain(`node_modules/${pkg}/**`);
    expect(asarUnpack).toContain('dist/src-main/engine/**/*-worker.js');
    // The glob relies on the naming convention: every engine worker entry ends in -worker.ts.
    const entries = (await fs.readdir(path.join(repoRoot, 'src-main/engine'), { recursive: true })).filter((f) => /worker/i.test(path.basename(f)) && f.endsWith('.ts'));
    expect(entries.length).toBeGreaterThan(0);
    for (const f of entries) expect(path.basename(f), f).toMatch(/-worker\.ts$/);
  });

  it('targets AppImage and deb, NSIS, DMG', async () => {
    const config = (await builderConfig()) as unknown as { linux: { target: string[] }; win: { target: string[] }; mac: { target: string[] } };
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });
});

describe('entry points', () => {
  it("package.json's main is the bundle build-electron writes", async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe(electronEntries.main);
    expect(path.join('/r', electronEntries.preload)).toBe(appPaths('/r').preload);
    expect(path.join('/r', electronEntries.engineHost)).toBe(appPaths('/r').engineHost);
  });

  it('the icon is a real square PNG large enough for every platform', async () => {
    const meta = await sharp(path.join(repoRoot, 'resources/icon.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(meta.height);
    expect(meta.width).toBeGreaterThanOrEqual(512);
  });
});
