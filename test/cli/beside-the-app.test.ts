import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEndpoint } from '../../src-main/engine/data-dir-lock.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { atolye, rpc, serve, stop } from './cli-process.js';

describe('the CLI beside a running engine', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('steers `atolye serve`: queue pause/resume, projects, import of a local folder; the browser token still may not name paths', async () => {
    const lib = path.join(dir, 'served');
    const photos = path.join(dir, 'photos', 'shelf');
    await writeJpegs(photos, 3);
    const { child, base, token } = await serve(lib);
    try {
      // The endpoint file: this user's only, a plain file.
      const stat = fs.lstatSync(path.join(lib, 'engine.endpoint.json'));
      expect(stat.mode & 0o777).toBe(0o600);
      expect(stat.uid).toBe(process.getuid!());
      const found = readEndpoint(lib);
      expect('endpoint' in found && found.endpoint.pid).toBe(child.pid);

      const paused = await atolye(['--data-dir', lib, 'queue', 'pause']);
      expect(paused.stderr).toBe('');
      expect(paused.code).toBe(0);
      expect(paused.stdout).toContain('queue paused');
      expect((await rpc(base, token, 'queue.stats')).body.paused).toBe(true);
      const stats = await atolye(['--data-dir', lib, 'queue']);
      expect(stats.stdout).toMatch(/^queue PAUSED/);
      expect((await atolye(['--data-dir', lib, 'queue', 'resume'])).code).toBe(0);
      expect((await rpc(base, token, 'queue.stats')).body.paused).toBe(false);

      // A local folder: the CLI's credential grants the path; the page's token does not.
      const refused = await rpc(base, token, 'import.start', { paths: [photos] });
      expect(refused.status).toBe(403);
      const imported = await atolye(['--data-dir', lib, 'import', path.relative(process.cwd(), photos), '--project', 'Beside']);
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(imported.stdout).toMatch(/done: 3\/3 files, 3 imported/);
      const projects = (await rpc(base, token, 'projects.list')).body as unknown as { name: string; assetCount: number }[];
      expect(projects.map((p) => [p.name, p.assetCount])).toEqual([['Beside', 3]]);
      const listed = await atolye(['--data-dir', lib, 'projects']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/\s3\s+0\s+Beside/);

      // A command that needs the library itself says why in one line, no stack.
      const readable = await atolye(['--data-dir', lib, 'export-readable', '--out', path.join(dir, 'readable')]);
      expect(readable.code).not.toBe(0);
      expect(readable.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await stop(child);
    }
    // Closed cleanly: the endpoint is withdrawn, and the CLI opens the library itself again.
    expect(fs.existsSync(path.join(lib, 'engine.endpoint.json'))).toBe(false);
    const after = await atolye(['--data-dir', lib, 'projects', '--json']);
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['Beside']);
  }, 120_000);

});
