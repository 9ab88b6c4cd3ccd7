import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineClient, isAbiMismatch, type EngineState } from '../../src-main/electron/engine-client.js';
import { findNodeExecutable, nodeRuntime } from '../../src-main/electron/engine-runtimes.js';
import type { EngineEvent, ImportProgress, Project } from '../../src-shared/contract/index.js';
import { ContractError } from '../../src-shared/contract/index.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { fixture, hostEntry } from './host-harness.js';

/** The real engine host from sources, in a real Node child process. */
const hostRuntime = (dataDir: string, entry = hostEntry) =>
  nodeRuntime({ entry, execPath: process.execPath, execArgv: ['--import', 'tsx'], env: { ...process.env, ATOLYE_DATA_DIR: dataDir, ATOLYE_WORKERS: '1' } });

describe('EngineClient with real engine host processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let client: EngineClient | null = null;
  const states: EngineState[] = [];
  const events: EngineEvent[] = [];
  const logs: string[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atolye-client-'));
    states.length = events.length = logs.length = 0;
  });
  afterEach(async () => {
    await client?.shutdown(5_000);
    client = null;
    await cleanup();
  });

  const make = (runtimes: ConstructorParameters<typeof EngineClient>[0]['runtimes'], extra: Partial<ConstructorParameters<typeof EngineClient>[0]> = {}) =>
    new EngineClient({
      runtimes,
      onEvent: (e) => events.push(e),
      onStateChange: (s) => states.push(s),
      log: (l) => logs.push(l),
      restartDelaysMs: [50],
      ...extra,
    });

  it('calls the engine, receives its events, and shuts it down cleanly', async () => {
    const dataDir = path.join(dir, 'data');
    client = make([hostRuntime(dataDir)]);
    const info = await client.start();
    expect(info.dataDir).toBe(dataDir);
    expect(client.state).toBe('ready');

    await writeJpegs(path.join(dir, 'Raf 1'), 3);
    const started = (await client.call('import.start', { paths: [path.join(dir, 'Raf 1')] })) as ImportProgress;
    await expect.poll(() => events.some((e) => e.type === 'import.progress' && e.payload.importId === started.importId && e.payload.state === 'done'), { timeout: 30_000 }).toBe(true);
    const [project] = (await client.call('projects.list', {})) as Project[];
    expect(project).toMatchObject({ name: 'Raf 1', assetCount: 3 });

    expect(await client.shutdown()).toBe(true);
    expect(client.state).toBe('stopped');
    await expect(client.call('projects.list', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('passes contract errors through with their code', async () => {
    client = make([hostRuntime(path.join(dir, 'data'))]);
    await client.start();
    const err = await client.call('projects.get', { id: '0190e0e0-0000-7000-8000-000000000000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect(err).toMatchObject({ code: 'not_found' });
  });

  it('restarts a host that dies, and the library is still there', async () => {
    const dataDir = path.join(dir, 'data');
    client = make([hostRuntime(dataDir)]);
    await client.start();
    await writeJpegs(path.join(dir, 'Vitrin'), 2);
    const started = (await client.call('import.start', { paths: [path.join(dir, 'Vitrin')] })) as ImportProgress;
    await expect.poll(() => events.some((e) => e.type === 'import.progress' && e.payload.importId === started.importId && e.payload.state === 'done'), { timeout: 30_000 }).toBe(true);

    const firstPid = client.pid!;
    process.kill(firstPid, 'SIGKILL');
    await expect.poll(() => client!.state).not.toBe('ready');
    // A call made while it is down waits for the restarted engine instead of failing.
    const projects = (await client.call('projects.list', {})) as Project[];
    expect(client.pid).not.toBe(firstPid);
    expect(states).toContain('restarting');
    expect(projects.map((p) => [p.name, p.assetCount])).toEqual([['Vitrin', 2]]);
  });

  it('fails calls that were in flight when the host died, then recovers', async () => {
    client = make([hostRuntime(path.join(dir, 'data'))]);
    await client.start();
    // Killed before the request is even written: no answer can ever come.
    process.kill(client.pid!, 'SIGKILL');
    await expect(client.call('engine.info', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/stopped .* before answering/) });
    await expect(client.call('engine.info', {})).resolves.toMatchObject({ platform: process.platform });
  });

  it('falls back to the next runtime when native modules target another Node ABI', async () => {
    const dataDir = path.join(dir, 'data');
    client = make([{ ...hostRuntime(dataDir, fixture('abi-mismatch-host.mjs')), name: 'mis-built runtime' }, hostRuntime(dataDir)]);
    const info = await client.start();
    expect(info.dataDir).toBe(dataDir);
    expect(client.runtimeName).toMatch(/^node child process/);
    expect(logs.join('\n')).toMatch(/mis-built runtime cannot load the engine's native modules here; using node child process/);
  });

  it('gives up after repeated failed starts, with the reason', async () => {
    client = make([hostRuntime(path.join(dir, 'data'), fixture('exit-at-once.mjs'))], { restartDelaysMs: [10], maxRestarts: 2 });
    await expect(client.start()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('could not be started') });
    expect(client.state).toBe('failed');
    expect(logs.filter((l) => /exited \(code 3\); restarting/.test(l))).toHaveLength(2);
    await expect(client.call('engine.info', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('reports a missing Node executable as a failed start, not a hang', async () => {
    client = make([nodeRuntime({ entry: hostEntry, execPath: path.join(dir, 'no-such-node') })], { restartDelaysMs: [10], maxRestarts: 1 });
    await expect(client.start()).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('ABI mismatch detection', () => {
  it('recognises the loader errors of a native module built for another runtime', () => {
    expect(isAbiMismatch("The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115.")).toBe(true);
    expect(isAbiMismatch('Error: /x/better_sqlite3.node: invalid ELF header')).toBe(true);
    expect(isAbiMismatch("ENOTDIR: not a directory, mkdir '/x/data'")).toBe(false);
    expect(isAbiMismatch('SQLITE_CORRUPT: database disk image is malformed')).toBe(false);
  });
});

describe('finding Node for the development fallback', () => {
  it('prefers ATOLYE_NODE, then npm_node_execpath, then PATH', () => {
    expect(findNodeExecutable({ ATOLYE_NODE: process.execPath, PATH: '' })).toBe(process.execPath);
    expect(findNodeExecutable({ npm_node_execpath: process.execPath, PATH: '' })).toBe(process.execPath);
    expect(findNodeExecutable({ PATH: path.dirname(process.execPath) })).toBe(path.join(path.dirname(process.execPath), 'node'));
    expect(findNodeExecutable({ ATOLYE_NODE: '/nonexistent/node', PATH: '/nonexistent' })).toBeNull();
  });
});
