import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const bin = path.resolve('bin/atolye.js');

async function atolye(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('atolye CLI', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('prints help for itself and each command, and refuses an unknown command', async () => {
    const main = await atolye(['--help']);
    expect(main.code).toBe(0);
    for (const name of ['import', 'projects', 'serve', 'info', 'queue', 'remove-background']) {
      expect(main.stdout).toContain(name);
      const sub = await atolye([name, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toMatch(new RegExp(`^atolye ${name}`));
    }
    // The short name people type answers with the same command.
    expect(main.stdout).toContain('remove-background (remove-bg)');
    const short = await atolye(['remove-bg', '--help']);
    expect(short.code).toBe(0);
    expect(short.stdout).toMatch(/^atolye remove-background/);
    const unknown = await atolye(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('imports a folder into a named project and lists it, on the data dir from the environment', async () => {
    const data = path.join(dir, 'lib');
    const folder = path.join(dir, 'Raf 3');
    await writeJpegs(folder, 3);
    const imported = await atolye(['import', folder, '--project', 'Şarküteri'], { ATOLYE_DATA_DIR: data });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/done: 3\/3 files, 3 imported, 0 duplicates, 0 skipped → project "Şarküteri"/);
    const listed = await atolye(['--data-dir', data, 'projects', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'Şarküteri', assetCount: 3 }]);
  });

  it('reports the execution providers it could initialise, CPU always among them', async () => {
    const res = await atolye(['--data-dir', path.join(dir, 'lib-info'), 'info', '--json']);
    expect(res.code).toBe(0);
    const { info, inference } = JSON.parse(res.stdout) as { info: { dataDir: string }; inference: { providers: { name: string; state: string; detail: string | null }[] } };
    expect(info.dataDir).toBe(path.join(dir, 'lib-info'));
    expect(inference.providers.find((p) => p.name === 'cpu')?.state).toBe('available');
    for (const p of inference.providers) expect(p.state).not.toBe('untested');
  });

  it('refuses an import of a missing folder before anything is imported: a clear message, exit code 2, no project', async () => {
    const res = await atolye(['--data-dir', path.join(dir, 'lib2'), 'import', path.join(dir, 'does-not-exist')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/does-not-exist: no such file or folder; nothing was imported/);
    const projects = await atolye(['--data-dir', path.join(dir, 'lib2'), 'projects', '--json']);
    expect(JSON.parse(projects.stdout)).toEqual([]);
  });

  it('serves the web mode and prints a URL whose token opens the API', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--no-ui', '--data-dir', path.join(dir, 'lib3')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (c) => {
          text += c;
          const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(text);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const u = new URL(url);
      const token = u.searchParams.get('token')!;
      const ok = await fetch(new URL('/api/rpc/projects.list', u), { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual([]);
      const denied = await fetch(new URL('/api/rpc/projects.list', u), { method: 'POST', body: '{}' });
      expect(denied.status).toBe(401);
      const info = (await (await fetch(new URL('/api/rpc/engine.info', u), { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' })).json()) as { dataDir: string };
      expect(info.dataDir).toBe(path.join(dir, 'lib3')); // --data-dir after the command name counts too
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
