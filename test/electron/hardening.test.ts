/**
 * The Electron checklist items of the hardening issue, without an Electron binary:
 * a packaged app never takes its engine runtime (or code-changing variables) from the
 * environment; the renderer's one call() reaches no method the contract keeps from it
 * and names no local path the user did not drop or pick.
 */
import { describe, expect, it, vi } from 'vitest';
import { chooseEngineRuntimes, engineEnv } from '../../src-main/electron/engine-runtimes.js';
import type { EngineRuntime } from '../../src-main/electron/engine-client.js';
import { createIpcHandler, installIpc, PATHS_CHOSEN_CHANNEL, type IpcMainLike } from '../../src-main/electron/ipc.js';
import { PathGrants } from '../../src-main/electron/path-grants.js';
import { transportAllows, valuesAt } from '../../src-shared/contract/define.js';
import { methods, type MethodName } from '../../src-shared/contract/index.js';

const app = { url: 'atolye://app/index.html', isMainFrame: true };

function runtimes(packaged: boolean, env: NodeJS.ProcessEnv) {
  const made: { kind: string; env: NodeJS.ProcessEnv; execPath?: string }[] = [];
  const rt = (name: string): EngineRuntime => ({ name, spawn: () => Promise.reject(new Error('not in this test')) as never });
  const chosen = chooseEngineRuntimes({
    packaged,
    env,
    utility: (e) => (made.push({ kind: 'utility', env: e }), rt('utility')),
    node: (execPath, e) => (made.push({ kind: 'node', env: e, execPath }), rt(`node ${execPath}`)),
    findNode: (e) => e.ATOLYE_NODE ?? '/usr/bin/node',
    log: () => {},
  });
  return { names: chosen.map((r) => r.name), made };
}

describe('engine runtimes', () => {
  const hostile = { ATOLYE_ENGINE_RUNTIME: 'node', ATOLYE_NODE: '/tmp/evil-node', NODE_OPTIONS: '--require /tmp/evil.js', ELECTRON_RUN_AS_NODE: '1', NODE_PATH: '/tmp', HOME: '/home/u' };

  it('a packaged app runs the engine only in the utility process, whatever the environment says, without code-changing variables', () => {
    const { names, made } = runtimes(true, hostile);
    expect(names).toEqual(['utility']);
    expect(made.map((m) => m.kind)).toEqual(['utility']);
    expect(made[0]!.env).toEqual({ HOME: '/home/u' });
    expect(runtimes(true, {}).names).toEqual(['utility']);
  });

  it('a source checkout keeps its development switches', () => {
    expect(runtimes(false, { ATOLYE_ENGINE_RUNTIME: 'node', ATOLYE_NODE: '/opt/node' }).names).toEqual(['node /opt/node']);
    expect(runtimes(false, { ATOLYE_ENGINE_RUNTIME: 'utility' }).names).toEqual(['utility']);
    expect(runtimes(false, {}).names).toEqual(['utility', 'node /usr/bin/node']);
    expect(engineEnv(hostile, false)).toEqual(hostile);
  });
});

describe('what the renderer may call', () => {
  it('refuses methods the contract keeps from the app window, before the engine sees them', async () => {
    const dispatchToEngine = vi.fn(async () => 'reached');
    const handle = createIpcHandler({ dispatchToEngine, log: () => {}, pathGrants: new PathGrants() });
    const kept = (Object.keys(methods) as MethodName[]).filter((m) => !transportAllows(methods[m], 'ipc'));
    // Whatever the contract keeps from the window today (writers to a path are allowed only
    // with a path picked in main's save dialog), none of it reaches the engine.
    expect(transportAllows({ transports: ['local'] } as never, 'ipc')).toBe(false);
    for (const m of kept) expect(await handle(app, m, {}), m).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(dispatchToEngine).not.toHaveBeenCalled();
  });

  it('refuses every local-path field the user did not choose, in every method that has one', async () => {
    const dispatchToEngine = vi.fn(async () => 'reached');
    const grants = new PathGrants();
    const handle = createIpcHandler({ dispatchToEngine, log: () => {}, pathGrants: grants });
    grants.grant(7, ['/home/u/Photos', '/home/u/model.onnx']);
    const withLocal = (Object.keys(methods) as MethodName[]).filter((m) => (methods[m].local ?? []).length > 0 && transportAllows(methods[m], 'ipc'));
    expect(withLocal).toEqual(expect.arrayContaining(['import.start', 'models.import', 'export.projectZip', 'export.projectFolder', 'products.import', 'videos.add', 'videos.setWatchSettings', 'datasets.import']));
    for (const m of withLocal) {
      for (const field of methods[m].local!) {
        for (const p of ['/etc/passwd', '/home/u/Photos/../../../etc/shadow', 'relative/x.jpg', '/home/u/model.onnx\u0000.jpg']) {
          const input = inputWith(field, p);
          expect(valuesAt(input, field).flat(), `${m} ${field}`).toContain(p);
          expect(await handle(app, m, input, 7), `${m} ${field} ${p}`).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('dropped or picked') } });
          // Another window's grants are not this one's.
          expect(await handle(app, m, inputWith(field, '/home/u/Photos'), 8)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        }
      }
    }
    expect(dispatchToEngine).not.toHaveBeenCalled();
    // Chosen paths, and files inside a chosen folder, go through.
    expect(await handle(app, 'import.start', { paths: ['/home/u/Photos', '/home/u/Photos/sub/a.jpg'] }, 7)).toEqual({ ok: true, result: 'reached' });
    expect(await handle(app, 'models.import', { path: '/home/u/model.onnx', task: 'background-removal' }, 7)).toEqual({ ok: true, result: 'reached' });
    expect(await handle(app, 'import.start', { paths: ['/home/u/Photos2'] }, 7)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('takes chosen paths only from the app window, and the preload reports them before any call names them', () => {
    const listeners = new Map<string, (event: never, ...args: unknown[]) => void>();
    const ipcMain: IpcMainLike = { handle: () => {}, removeHandler: () => {}, on: (c, l) => void listeners.set(c, l as never), removeListener: (c) => void listeners.delete(c) };
    const grants = new PathGrants();
    const remove = installIpc(ipcMain, async () => ({ ok: true, result: null }), grants);
    const chosen = listeners.get(PATHS_CHOSEN_CHANNEL)!;
    const event = (url: string, id: number, main = true) => {
      const mainFrame = { url };
      return { senderFrame: main ? mainFrame : { url }, sender: { id, mainFrame } } as never;
    };
    chosen(event('https://evil.example/', 1), ['/etc']);
    chosen(event('atolye://app/index.html', 2, false), ['/etc']);
    chosen(event('atolye://app/index.html', 3), ['/home/u/Photos', 'relative', 42, '/x\u0000y']);
    expect(grants.allows(1, '/etc/passwd')).toBe(false);
    expect(grants.allows(2, '/etc/passwd')).toBe(false);
    expect(grants.allows(3, '/home/u/Photos/a.jpg')).toBe(true);
    expect(grants.allows(3, '/home/u/Photos/../x')).toBe(false);
    expect(grants.allows(3, 'relative')).toBe(false);
    remove();
    expect(listeners.has(PATHS_CHOSEN_CHANNEL)).toBe(false);
  });
});

/** An input with `value` at a field path (`files[].path` makes a one-element array). */
function inputWith(field: string, value: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  const parts = field.split('.');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    if (last) {
      at[key] = each || key === 'paths' ? [value] : value;
      return;
    }
    const child: Record<string, unknown> = {};
    at[key] = each ? [child] : child;
    at = child;
  });
  return root;
}
