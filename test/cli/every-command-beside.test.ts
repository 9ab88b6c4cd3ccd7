import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.js';
import sharp from 'sharp';
import { tempDir } from '../helpers/tmp.js';
import { findFfmpeg, testPattern } from '../features/videos/clips.js';
import { groceryMissing, photo } from '../features/videos/make-video.js';
import { bin, rpc, serve, stop } from './cli-process.js';

/**
 * Every command beside one running holder (`atolye serve` in its own process): each runs
 * against the same library and its effect is read back from the holder with the page's
 * token. Most commands run in this process (runCli: the same runner as bin/atolye.js, which
 * finds the library held and goes over the endpoint), so the file stays short; the Ctrl+C
 * case runs `atolye` as its own process.
 */
async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const noStack = /\n\s+at /;

describe('every command beside a running holder of the library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lib: string;
  let holder: { child: ChildProcess; base: string; token: string };
  const call = async <T>(method: string, input: unknown = {}) => {
    const res = await rpc(holder.base, holder.token, method, input);
    expect(res.status, `${method}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body as unknown as T;
  };
  const at = (...args: string[]) => ['--data-dir', lib, ...args];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    lib = path.join(dir, 'held');
    holder = await serve(lib);
  }, 60_000);
  afterAll(async () => {
    if (holder) await stop(holder.child);
    await cleanup();
  });

  it('products: import a CSV, list, export to a path the page may not name', async () => {
    const csv = path.join(dir, 'catalog.csv');
    fs.writeFileSync(csv, 'barcode,brand,name\n8690504012344,Ülker,Çikolata\n8690504012351,Eti,Kraker\n8690504012368,Torku,Gofret\n');
    const imported = await cli(at('products', 'import', path.relative(process.cwd(), csv)));
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(/3 rows: 3 created/);
    const inHolder = await call<{ items: { barcode: string | null }[]; total: number }>('products.list', {});
    expect(inHolder.items.map((p) => p.barcode).sort()).toEqual(['8690504012344', '8690504012351', '8690504012368']);

    const listed = await cli(at('products', 'list', '--query', 'Eti'));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/8690504012351\s+pending.*Eti · Kraker/);
    expect(listed.stdout).toMatch(/^1 product$/m);

    const dest = path.join(dir, 'out', 'products.csv');
    fs.mkdirSync(path.dirname(dest));
    // The page's token may not make the engine write a local path; the CLI's credential may.
    expect((await rpc(holder.base, holder.token, 'products.exportTo', { destPath: dest, format: 'csv' })).status).toBe(403);
    const exported = await cli(at('products', 'export', '--out', dest));
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toMatch(/^3 products → /);
    const text = fs.readFileSync(dest, 'utf8');
    expect(text).toContain('8690504012368');
    expect(text).toContain('Torku');
  }, 30_000);

  it('datasets: create, add, list, export a ZIP, import it back', async () => {
    const created = await cli(at('datasets', 'create', 'Raf', '--barcodes', '8690504012344,8690504012351'));
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/Created “Raf” with 2 products/);
    const added = await cli(at('datasets', 'add', 'Raf', '8690504012368'));
    expect(added.stdout).toMatch(/Added 1 products to “Raf” \(3 now\)/);
    const inHolder = await call<{ name: string; productCount: number }[]>('datasets.list');
    expect(inHolder.map((d) => [d.name, d.productCount])).toEqual([['Raf', 3]]);
    expect((await cli(at('datasets', 'list'))).stdout).toMatch(/^Raf\t3 products\t/);

    const zip = path.join(dir, 'out', 'raf.zip');
    const exported = await cli(at('datasets', 'export', 'Raf', '--out', zip));
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(fs.readFileSync(zip).subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');

    const back = await cli(at('datasets', 'import', zip, '--name', 'Raf kopya'));
    expect(back.stderr).toBe('');
    expect(back.stdout).toMatch(/Imported “Raf kopya”: 3 products \(0 new\)/);
    expect((await call<{ name: string }[]>('datasets.list')).map((d) => d.name).sort()).toEqual(['Raf', 'Raf kopya']);

    // A missing dataset is one sentence and exit 1.
    const missing = await cli(at('datasets', 'export', 'Yok', '--out', zip));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('atolye datasets: no dataset “Yok” (atolye datasets list shows them)');
  }, 30_000);

  it('info describes the holder’s engine', async () => {
    const info = await cli(at('info'));
    expect(info.stderr).toBe('');
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`library: ${lib} (held by the Atölye process ${holder.child.pid}`);
    expect(info.stdout).toMatch(/^\s+cpu\s+/m);
  }, 30_000);

  it('videos: add a file by barcode, list, set the watched folder, process it in the holder', async (ctx) => {
    const ffmpeg = await findFfmpeg();
    if (!ffmpeg.path) return ctx.skip(ffmpeg.skip ?? 'no ffmpeg');
    const clip = path.join(dir, 'clip.mp4');
    await testPattern(ffmpeg.path, clip, { seconds: 0.6, size: '160x120', rate: 10 });
    const added = await cli(at('videos', 'add', clip, '--barcode', '8690504012344'));
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/clip\.mp4 {2}\[8690504012344 /);
    const videos = await call<{ items: { originalName: string; barcode: string | null }[] }>('videos.list', {});
    expect(videos.items.map((v) => [v.originalName, v.barcode])).toEqual([['clip.mp4', '8690504012344']]);
    expect((await cli(at('videos', 'list'))).stdout).toMatch(/^1 video$/m);

    const watched = path.join(dir, 'watched');
    fs.mkdirSync(watched);
    const watch = await cli(at('videos', 'watch', '--folder', watched, '--off'));
    expect(watch.stderr).toBe('');
    expect(watch.stdout).toContain(`watched folder: ${watched}; off`);
    expect((await call<{ folder: string | null }>('videos.watchSettings')).folder).toBe(watched);

    // Processing runs in the holder; the CLI follows it by its events and reports the video.
    const [video] = (await call<{ items: { id: string }[] }>('videos.list', {})).items;
    const processed = await cli(at('videos', 'process', video!.id));
    expect(processed.stdout).toMatch(new RegExp(`^${video!.id} {2}clip\\.mp4 {2}\\[8690504012344 .*\\] {2}(completed|failed): `, 'm'));
    expect(processed.stderr).toMatch(/clip\.mp4: /);
    const after = await call<{ state: string }>('videos.get', { id: video!.id });
    expect(['completed', 'failed']).toContain(after.state);
    expect(processed.code).toBe(after.state === 'completed' ? 0 : 1);
  }, 60_000);

  it('duplicates: the holder indexes the project and answers the groups', async (ctx) => {
    const missing = groceryMissing();
    if (missing) return ctx.skip(`needs real photos: ${missing}`);
    // Two different products, and the first again re-encoded smaller (a near-duplicate).
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    const [apple, pepper] = ['train/Fruit/Apple/Golden-Delicious/Golden-Delicious_001.jpg', 'train/Vegetables/Pepper/Red-Bell-Pepper/Red-Bell-Pepper_001.jpg'].map(photo);
    fs.copyFileSync(apple!, path.join(photos, 'apple.jpg'));
    fs.copyFileSync(pepper!, path.join(photos, 'pepper.jpg'));
    await sharp(apple!).resize({ width: 200 }).jpeg({ quality: 70 }).toFile(path.join(photos, 'apple-small.jpg'));
    expect((await cli(at('import', photos, '--project', 'Dup'))).code).toBe(0);
    const dup = await cli(at('duplicates', 'Dup', '--json'));
    expect(dup.stderr).toBe('');
    expect(dup.code).toBe(0);
    const groups = JSON.parse(dup.stdout) as { keep: { fileName: string }; others: { fileName: string }[] }[];
    expect(groups.map((g) => [g.keep.fileName, ...g.others.map((o) => o.fileName)])).toEqual([['apple.jpg', 'apple-small.jpg']]);
  }, 60_000);

  it('a command that needs the library itself says why in one sentence', async () => {
    const embed = await cli(at('embed', path.join(dir, 'photos'), '--out', path.join(dir, 'out', 'v.jsonl')));
    expect(embed.code).toBe(1);
    expect(embed.stderr).toMatch(/^atolye embed: the library at .* is open in another Atölye process .*`atolye embed` cannot run beside it: it embeds files that are not in the library/);
    expect(embed.stderr.split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'out', 'v.jsonl'))).toBe(false);
  }, 30_000);

  it('Ctrl+C while `atolye augment` waits on the holder: one line, exit 130, the run goes on there', async () => {
    const [raf] = await call<{ id: string; name: string }[]>('datasets.list').then((l) => l.filter((d) => d.name === 'Raf'));
    await call('queue.pause');
    try {
      const child = spawn(process.execPath, [bin, ...at('augment', 'Raf', '--syn', '1', '--real', '0')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          stdout += c;
          if (/Augmenting “Raf”: 3 products/.test(stdout)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`augment exited (${code}) before it waited: ${stderr}`)));
      });
      // Started in the holder: its run is there.
      const runs = await call<{ state: string }[]>('augmentation.runs', { datasetId: raf!.id });
      expect(runs).toHaveLength(1);
      expect(['pending', 'paused']).toContain(runs[0]!.state);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(130);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(new RegExp(`^atolye augment: stopped \\(SIGINT\\); what it started goes on in the Atölye process ${holder.child.pid} that holds the library`));
      expect(stderr).not.toMatch(noStack);
    } finally {
      await call('queue.resume');
    }
    // Run to its end beside the holder: two of its products have no frames and are reported failed (exit 1).
    const done = await cli(at('augment', 'Raf', '--syn', '1', '--real', '0'));
    expect(done.stdout).toMatch(/^Raf: completed, 3\/3 products$/m);
    expect(done.stdout).toMatch(/failed 8690504012351 synthetic: the product has no frames/);
    expect(done.code).toBe(1);
  }, 60_000);
});
