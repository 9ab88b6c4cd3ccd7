import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localBackend } from '../../src-main/cli/backend.js';
import { queueCommand } from '../../src-main/cli/commands/queue.js';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { api } from '../support/engine.js';

describe('atolye queue', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let lines: string[];
  const run = (...args: string[]) =>
    queueCommand.run(args, { engine: async () => engine, backend: async () => localBackend(engine), dataDir: undefined, out: (l) => lines.push(l), err: (l) => lines.push(l), stopped: new Promise(() => {}) });
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    lines = [];
  });
  afterEach(async () => {
    await engine.close();
    await cleanup();
  });

  it('prints stats, pauses and resumes the queue and a batch, retries failed jobs', async () => {
    const folder = path.join(dir, 'photos');
    await writeJpegs(folder, 3);
    const { importId } = await api(engine).imports.start({ paths: [folder] });
    await api(engine).imports.wait(importId);

    expect(await run()).toBe(0);
    expect(lines[0]).toMatch(/^queue running: 0 running, 0 pending, 0 paused, 4 completed, 0 failed, 0 cancelled$/);
    expect(lines.join('\n')).toMatch(/import\.file\s+0\s+0\s+3\s+0\s+3\s+\d/);
    lines = [];
    expect(await run('stats', '--json')).toBe(0);
    expect(JSON.parse(lines.join('\n'))).toMatchObject({ paused: false, counts: { completed: 4 } });

    lines = [];
    expect(await run('pause')).toBe(0);
    expect(engine.queue.isPaused()).toBe(true);
    expect(await run('resume')).toBe(0);
    expect(engine.queue.isPaused()).toBe(false);
    expect(lines).toEqual(['queue paused: running jobs finish, nothing new starts', 'queue resumed']);

    lines = [];
    expect(await run('pause', importId)).toBe(0);
    expect(lines).toEqual([`batch ${importId} (photos): completed`]);
    expect(await run('retry-failed', importId)).toBe(0);
    expect(lines[1]).toBe(`0 failed jobs queued again in batch ${importId} (completed)`);
  });

  it('says how to use it, and refuses what it does not know', async () => {
    expect(await run('--help')).toBe(0);
    expect(lines[0]).toMatch(/^atolye queue \[stats\]/);
    lines = [];
    expect(await run('frobnicate')).toBe(2);
    expect(lines[0]).toMatch(/unknown command "frobnicate"/);
    lines = [];
    expect(await run('pause', 'not-an-id')).toBe(2);
    expect(await run('resume', '01900000-0000-7000-8000-000000000000')).toBe(1);
    expect(lines.at(-1)).toMatch(/no batch 01900000-0000-7000-8000-000000000000/);
  });
});
