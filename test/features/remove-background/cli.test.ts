import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeBackgroundCommand } from '../../../src-main/features/remove-background/cli-remove-background.js';
import { localBackend } from '../../../src-main/cli/backend.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';

describe('atolye remove-background', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  const lines: string[] = [];
  const errors: string[] = [];
  const command = removeBackgroundCommand();
  const ctx = () => ({ engine: async () => engine, backend: async () => localBackend(engine), dataDir: undefined, out: (l: string) => lines.push(l), err: (l: string) => errors.push(l), stopped: new Promise<void>(() => {}) });
  const removeBgCommand = (args: string[], c: ReturnType<typeof ctx>) => command.run(args, c);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const src = path.join(dir, 'in', 'shelf');
    await fs.mkdir(src, { recursive: true });
    for (const [name, colour] of [
      ['jar.jpg', '#2a7d3b'],
      ['can.jpg', '#b8222a'],
    ]) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="#eeeeea"/><rect x="120" y="50" width="80" height="140" rx="16" fill="${colour}"/></svg>`;
      await sharp(Buffer.from(svg)).jpeg().toFile(path.join(src, name!));
    }
    await fs.writeFile(path.join(src, 'broken.jpg'), 'not an image');
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
  });
  afterAll(async () => {
    await engine.close().catch(() => {});
    await cleanup();
  });

  it('prints its help and refuses bad arguments with exit code 2', async () => {
    expect(await removeBgCommand(['--help'], ctx())).toBe(0);
    expect(lines.pop()).toMatch(/atolye remove-background <folder\|files…> --out <dir>/);
    expect(await removeBgCommand([path.join(dir, 'in')], ctx())).toBe(2);
    expect(await removeBgCommand([path.join(dir, 'in'), '--out', path.join(dir, 'x'), '--preset', 'sparkle'], ctx())).toBe(2);
    expect(errors.pop()).toMatch(/unknown preset "sparkle"/);
  });

  it('writes one cut-out per image keeping folders, reports the unreadable file, and reuses results on a second run', async () => {
    const out = path.join(dir, 'out');
    errors.length = 0;
    const code = await removeBgCommand([path.join(dir, 'in'), '--out', out, '--preset', 'crop', '--margin', '0.1'], ctx());
    expect(code).toBe(0);
    expect(lines.pop()).toMatch(/^done: 2 done, 0 reused, 0 need review, 0 failed on cpu → 2 files in/);
    expect(errors.join('\n')).toMatch(/skipped shelf\/broken\.jpg: not a decodable image/);
    const files = (await fs.readdir(path.join(out, 'shelf'))).sort();
    expect(files).toEqual(['can.crop.png', 'jar.crop.png']);
    const meta = await sharp(path.join(out, 'shelf', 'jar.crop.png')).metadata();
    expect(meta.hasAlpha).toBe(true);
    expect(meta.width).toBeLessThan(140);
    const first = await fs.readFile(path.join(out, 'shelf', 'jar.crop.png'));

    // The same files again (a new project): the same bytes, model and settings reuse the results.
    const again = path.join(dir, 'again');
    expect(await removeBgCommand([path.join(dir, 'in'), '--out', again, '--preset', 'crop', '--margin', '0.1'], ctx())).toBe(0);
    expect(lines.pop()).toMatch(/0 done, 2 reused, 0 need review, 0 failed/);
    expect((await fs.readFile(path.join(again, 'shelf', 'jar.crop.png'))).equals(first)).toBe(true);
  }, 180_000);

  it('--refine off keeps the model mask; a bad --refine value is refused with exit code 2', async () => {
    errors.length = 0;
    expect(await removeBgCommand([path.join(dir, 'in'), '--out', path.join(dir, 'x'), '--refine', 'maybe'], ctx())).toBe(2);
    expect(errors.pop()).toMatch(/--refine takes on or off, got "maybe"/);
    const out = path.join(dir, 'raw');
    expect(await removeBgCommand([path.join(dir, 'in', 'shelf', 'jar.jpg'), '--out', out, '--preset', 'mask', '--refine', 'off'], ctx())).toBe(0);
    const soft = async (file: string) => (await sharp(file).extractChannel(0).raw().toBuffer()).filter((v) => v > 0 && v < 255).length;
    const refinedOut = path.join(dir, 'refined');
    expect(await removeBgCommand([path.join(dir, 'in', 'shelf', 'jar.jpg'), '--out', refinedOut, '--preset', 'mask'], ctx())).toBe(0);
    // The same model mask (cached, the model ran once for this image): only the refinement differs.
    expect(await soft(path.join(out, 'jar.mask.png'))).toBeGreaterThan(await soft(path.join(refinedOut, 'jar.mask.png')));
  }, 180_000);

  it('reports images that need review apart, writes them under needs-review/, and --strict exits 3', async () => {
    const blank = path.join(dir, 'blank');
    await fs.mkdir(blank);
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#f2f2f2' } }).jpeg().toFile(path.join(blank, 'empty-shelf.jpg'));
    await fs.copyFile(path.join(dir, 'in', 'shelf', 'jar.jpg'), path.join(blank, 'jar.jpg'));
    errors.length = 0;
    const out = path.join(dir, 'strict');
    expect(await removeBgCommand([blank, '--out', out, '--preset', 'white'], ctx())).toBe(0);
    expect(lines.pop()).toMatch(/^done: 1 done, 0 reused, 1 need review, 0 failed on cpu → 2 files in .* \(1 under needs-review\/\)/);
    expect(errors.join('\n')).toMatch(/needs review empty-shelf\.jpg: empty/);
    expect(await fs.readdir(out)).toEqual(['jar.white.jpg', 'needs-review']);
    expect(await fs.readdir(path.join(out, 'needs-review'))).toEqual(['empty-shelf.white.jpg']);
    expect(await removeBgCommand([blank, '--out', out, '--preset', 'white', '--strict'], ctx())).toBe(3);
  }, 180_000);
});
