/**
 * User data never reaches the terminal raw: file names and project names with escape
 * sequences, carriage returns, bidi overrides or lone surrogates are shown escaped by
 * every CLI output (the runner's out/err go through printable()).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.js';
import { printable, printableLines } from '../../src-main/cli/printable.js';
import { openEngine } from '../../src-main/features/index.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

// Anything a terminal would act on rather than show.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('printable()', () => {
  it('escapes control characters, bidi overrides and lone surrogates, and keeps everything else', () => {
    expect(printable('a\u001b]0;pwned\u0007b')).toBe('a\\u001b]0;pwned\\u0007b');
    expect(printable('gpj\u202eexe.jpg')).toBe('gpj\\u202eexe.jpg');
    expect(printable('x\ud800y')).toBe('x\\ud800y');
    expect(printable('line\rover\nnext\u0000')).toBe('line\\u000dover\\u000anext\\u0000');
    expect(printable('Şarküteri 🧀\ttab')).toBe('Şarküteri 🧀\ttab');
    expect(printableLines('one\u001b[2J\ntwo')).toBe('one\\u001b[2J\ntwo');
  });
});

describe('the CLI prints user data escaped', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('atolye-printable-')));
  afterAll(() => cleanup());

  it('skipped file names are cleaned when recorded, and a stored project name with escape sequences is printed escaped', { timeout: 60_000 }, async () => {
    const data = path.join(dir, 'lib');
    const folder = path.join(dir, 'shelf');
    await writeJpegs(folder, 2);
    // Names on disk can hold anything but / and NUL.
    await fs.writeFile(path.join(folder, 'bad\u001b]0;pwned\u0007\r.jpg'), 'not an image');
    await fs.writeFile(path.join(folder, 'gpj\u202eexe.jpg'), 'not an image either');
    const lines: string[] = [];
    const collect = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runCli(['--data-dir', data, 'import', folder, '--project', 'Raf'], collect)).toBe(0);
    const text = lines.join('\n');
    // Names are cleaned when recorded (cleanText): the escape, bell and bidi override are dropped, the CR becomes a space.
    expect(text).toContain('skipped bad]0;pwned .jpg: not a decodable image');
    expect(text).toContain('skipped gpjexe.jpg: not a decodable image');

    // A name stored before names were checked (an older library) is printed escaped too.
    const engine = await openEngine({ dataDir: data, queue: { autostart: false } });
    engine.db.prepare('UPDATE projects SET name = ?').run('Raf\u001b[2J\u001b[H\u0000');
    await engine.close();
    lines.length = 0;
    expect(await runCli(['--data-dir', data, 'projects'], collect)).toBe(0);
    expect(lines.join('\n')).toContain('Raf\\u001b[2J\\u001b[H\\u0000');
    expect(text + lines.join('\n')).not.toMatch(RAW);
  });
});
