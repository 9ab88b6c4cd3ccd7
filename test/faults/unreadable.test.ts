/**
 * Odd things in a dropped folder and a library the user may not write, through the real
 * CLI. Permissions do not bind root, so as root the CLI runs as `nobody` (uid 65534).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const bin = path.resolve('bin/atolye.js');
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

async function atolye(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 90_000, ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}), env: { ...process.env, HOME: '/tmp' } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('unreadable and odd files, and libraries that cannot be written', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-unreadable-'));
    // The unprivileged CLI must reach its files.
    await fs.chmod(dir, 0o755);
  });
  afterAll(async () => {
    await fs.chmod(path.join(dir, 'shelf', 'locked'), 0o755).catch(() => undefined);
    await cleanup();
  });

  it('skips an unreadable subfolder, a broken and a looping link and a pipe, each with its reason, and imports the rest', { timeout: 120_000 }, async () => {
    const shelf = path.join(dir, 'shelf');
    await writeJpegs(path.join(shelf, 'ok'), 3, 'ok');
    await writeJpegs(path.join(shelf, 'locked'), 2, 'locked');
    await fs.chmod(path.join(shelf, 'locked'), 0o000);
    await fs.symlink(path.join(shelf, 'gone.jpg'), path.join(shelf, 'broken.jpg'));
    await fs.symlink(path.join(shelf, 'loop-b'), path.join(shelf, 'loop-a'));
    await fs.symlink(path.join(shelf, 'loop-a'), path.join(shelf, 'loop-b'));
    await fs.symlink(shelf, path.join(shelf, 'ok', 'back-to-shelf'));
    execFileSync('mkfifo', [path.join(shelf, 'pipe.jpg')]);
    const lib = path.join(dir, 'lib');
    await fs.mkdir(lib, { mode: 0o777 });
    await fs.chmod(lib, 0o777);

    const res = await atolye(['--data-dir', lib, 'import', shelf, '--project', 'Raf']);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/3 imported/);
    expect(res.stdout).toMatch(/skipped locked: .*(permission|not allowed|denied)/i);
    expect(res.stdout).toMatch(/skipped broken\.jpg: broken symbolic link/);
    expect(res.stdout).toMatch(/skipped loop-a: symbolic link loop/);
    expect(res.stdout).toMatch(/skipped pipe\.jpg: not a file to import \(a named pipe\)/);
    expect(res.stdout).toMatch(/symbolic link loop\); its files are imported once/);
  });

  it('says in one line, with no stack trace, that a library folder cannot be written', { timeout: 60_000 }, async () => {
    const closed = path.join(dir, 'closed');
    await fs.mkdir(closed);
    await fs.chmod(closed, 0o555);
    for (const args of [
      ['--data-dir', path.join(closed, 'lib'), 'projects'],
      ['--data-dir', path.join(closed, 'lib'), 'import', path.join(dir, 'shelf', 'ok')],
    ]) {
      const res = await atolye(args);
      expect(res.code, args.join(' ')).not.toBe(0);
      const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines, res.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/cannot (open|create|lock).* library.*(permission|not allowed|read-only|write)/i);
    }
  });
});
