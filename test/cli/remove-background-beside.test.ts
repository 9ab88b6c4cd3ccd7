import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-shared/contract/index.js';
import { remoteBackend } from '../../src-main/cli/backend.js';
import { LibraryHeldError } from '../../src-main/engine/data-dir-lock.js';
import { tempDir } from '../helpers/tmp.js';
import { atolye, rpc, serve, stop } from './cli-process.js';

/** Two products on a plain shelf: the model finds both (as in test/features/remove-background/cli.test.ts). */
async function writeShelf(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, colour] of [
    ['jar.jpg', '#2a7d3b'],
    ['can.jpg', '#b8222a'],
  ] as const) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="#eeeeea"/><rect x="120" y="50" width="80" height="140" rx="16" fill="${colour}"/></svg>`;
    await sharp(Buffer.from(svg)).jpeg().toFile(path.join(dir, name));
  }
}

describe('atolye remove-background beside `atolye serve`', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('refuses a missing path or an invalid option before anything is imported', async () => {
    const lib = path.join(dir, 'clean');
    const shelf = path.join(dir, 'in', 'shelf');
    await writeShelf(shelf);
    const out = path.join(dir, 'never');
    const missing = await atolye(['--data-dir', lib, 'remove-background', path.join(dir, 'no-such-folder'), '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-folder: no such file or folder; nothing was imported/);
    for (const [option, message] of [
      [['--fill', '5'], /fill/],
      [['--format', 'gif'], /format/],
      [['--preset', 'cutout', '--format', 'jpeg'], /jpeg/],
      [['--background', 'red'], /colour is #rrggbb/],
      [['--model', 'Not A Model!'], /not a model id/],
    ] as const) {
      const res = await atolye(['--data-dir', lib, 'remove-background', shelf, '--out', out, ...option]);
      expect(res.code, option.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
    const projects = await atolye(['--data-dir', lib, 'projects', '--json']);
    expect(JSON.parse(projects.stdout)).toEqual([]);
    await expect(fs.stat(out)).rejects.toThrow();
  }, 90_000);

  it('runs in the serving process, streams progress events to the CLI, writes the files, and reuses its project on a second run', async () => {
    const lib = path.join(dir, 'served');
    const shelf = path.join(dir, 'in', 'shelf');
    await writeShelf(shelf);
    const { child, base, token } = await serve(lib);
    // The CLI's own transport, in this process, watching what the CLI's run emits over the WebSocket.
    const watcher = await remoteBackend(new LibraryHeldError(lib, null, 'held'));
    const events: EngineEvent[] = [];
    watcher.subscribe((e) => events.push(e));
    try {
      await watcher.ready();
      const out = path.join(dir, 'out');
      const first = await atolye(['--data-dir', lib, 'remove-background', path.join(dir, 'in'), '--out', out, '--preset', 'crop'], 240_000);
      expect(first.stderr).toBe('');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^done: 2 done, 0 reused, 0 need review, 0 failed on cpu → 2 files in .* \(run by the Atölye process \d+ that holds the library\)/);
      expect((await fs.readdir(path.join(out, 'shelf'))).sort()).toEqual(['can.crop.png', 'jar.crop.png']);
      const meta = await sharp(path.join(out, 'shelf', 'jar.crop.png')).metadata();
      expect(meta.hasAlpha).toBe(true);
      expect(meta.width).toBeLessThan(140);
      const progress = events.filter((e) => e.type === 'remove-background.progress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)!.payload).toMatchObject({ state: 'done', total: 2, done: 2 });

      const again = await atolye(['--data-dir', lib, 'remove-background', path.join(dir, 'in'), '--out', path.join(dir, 'again'), '--preset', 'crop'], 240_000);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/^reusing project "in" \([0-9a-f-]{36}\): 0 new images/);
      expect(again.stdout).toMatch(/0 done, 2 reused, 0 need review, 0 failed/);
      const projects = (await rpc(base, token, 'projects.list')).body as unknown as { name: string; assetCount: number }[];
      expect(projects.map((p) => [p.name, p.assetCount])).toEqual([['in', 2]]);
      expect((await fs.readFile(path.join(dir, 'again', 'shelf', 'jar.crop.png'))).equals(await fs.readFile(path.join(out, 'shelf', 'jar.crop.png')))).toBe(true);
    } finally {
      watcher.close();
      await stop(child);
    }
  }, 400_000);
});
