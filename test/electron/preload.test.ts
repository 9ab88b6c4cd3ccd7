import fs from 'node:fs/promises';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_CHANNEL, EVENT_CHANNEL, PATHS_CHOSEN_CHANNEL } from '../../src-main/electron/ipc.js';
import { START_DRAG_CHANNEL } from '../../src-main/electron/drag-out.js';
import { CHOOSE_PATH_CHANNEL, REVEAL_PATH_CHANNEL } from '../../src-main/electron/native-dialogs.js';
import { parseMediaUrl } from '../../src-main/electron/protocols.js';
import { tempDir } from '../helpers/tmp.js';
// @ts-expect-error: plain .mjs build script without type declarations
import { buildElectron } from '../../scripts/build-electron.mjs';

/**
 * Builds the preload with the real build step, then runs the bundle in a fresh V8
 * context the way a sandboxed preload runs: CommonJS, with a `require` that knows only
 * 'electron'. The electron module here is a recording stand-in for the three APIs the
 * preload uses; the bridge's behaviour is what is under test.
 */
interface Bridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
  mediaUrl(assetId: string, variant: string): string;
  pathsForFiles(files: unknown[]): string[];
  choosePath(request: unknown): Promise<string | null>;
  revealPath(path: unknown): Promise<boolean>;
  startDrag(ids: unknown): void;
}

let dir: string;
let cleanup: () => Promise<void>;
let preloadCode: string;
let mainCode: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('atolye-preload-'));
  const out = (await buildElectron({ outDir: dir })) as { main: string; preload: string };
  preloadCode = await fs.readFile(out.preload, 'utf8');
  mainCode = await fs.readFile(out.main, 'utf8');
});
afterAll(() => cleanup());

function loadPreload() {
  const exposed = new Map<string, unknown>();
  const eventListeners: ((event: unknown, payload: unknown) => void)[] = [];
  const ipcRenderer = {
    invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, result: null })),
    on: vi.fn((channel: string, listener: (event: unknown, payload: unknown) => void) => {
      if (channel === EVENT_CHANNEL) eventListeners.push(listener);
    }),
    send: vi.fn(),
  };
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer,
    webUtils: { getPathForFile: (file: { fakePath: string }) => file.fakePath },
  };
  const required: string[] = [];
  const requireFn = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const module = { exports: {} };
  const wrapper = vm.runInNewContext(`(function (require, module, exports) {${preloadCode}\n})`, { console }, { filename: 'preload.cjs' });
  wrapper(requireFn, module, module.exports);
  return { exposed, ipcRenderer, eventListeners, required, bridge: exposed.get('atolye') as Bridge };
}

describe('the preload bundle', () => {
  it('requires nothing but electron and exposes exactly window.atolye', () => {
    const { exposed, required, bridge, ipcRenderer } = loadPreload();
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect([...exposed.keys()]).toEqual(['atolye']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'choosePath', 'mediaUrl', 'pathsForFiles', 'revealPath', 'startDrag', 'subscribe']);
    for (const value of Object.values(bridge)) {
      expect(typeof value).toBe('function');
      expect(Object.values(ipcRenderer)).not.toContain(value);
    }
    expect(Object.values(bridge)).not.toContain(ipcRenderer);
  });

  it('listens on one event channel and sends nothing on its own', () => {
    const { ipcRenderer } = loadPreload();
    expect(ipcRenderer.on.mock.calls.map((c) => c[0])).toEqual([EVENT_CHANNEL]);
    expect(ipcRenderer.send).not.toHaveBeenCalled();
    expect(ipcRenderer.invoke).not.toHaveBeenCalled();
  });
});

describe('atolye.call', () => {
  it('invokes the one call channel and resolves with the result', async () => {
    const { bridge, ipcRenderer } = loadPreload();
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, result: [{ id: 'p1' }] });
    await expect(bridge.call('projects.list', {})).resolves.toEqual([{ id: 'p1' }]);
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(CALL_CHANNEL, 'projects.list', {});
  });

  it('rejects with an Error that carries the contract code in its message', async () => {
    const { bridge, ipcRenderer } = loadPreload();
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'not_found', message: 'no project x' } });
    const err = await bridge.call('projects.get', { id: 'x' }).catch((e: unknown) => e);
    // An Error of the preload's own realm (contextBridge copies it into the page's).
    expect(Object.prototype.toString.call(err)).toBe('[object Error]');
    expect((err as Error).message).toBe('[not_found] no project x');
  });

  it('refuses a non-string method without touching IPC', async () => {
    const { bridge, ipcRenderer } = loadPreload();
    await expect(bridge.call({ toString: () => 'engine.info' } as never, {})).rejects.toThrow(/method must be a string/);
    expect(ipcRenderer.invoke).not.toHaveBeenCalled();
  });
});

describe('atolye.subscribe', () => {
  it('fans events out to subscribers until they unsubscribe, past a failing one', () => {
    const { bridge, eventListeners } = loadPreload();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    bridge.subscribe(() => {
      throw new Error('broken subscriber');
    });
    const offA = bridge.subscribe((e) => a.push(e));
    bridge.subscribe((e) => b.push(e));
    const event = { type: 'projects.changed', payload: { projectId: null } };
    eventListeners.forEach((l) => l({}, event));
    offA();
    eventListeners.forEach((l) => l({}, event));
    expect(a).toEqual([event]);
    expect(b).toEqual([event, event]);
    expect(eventListeners).toHaveLength(1);
    errors.mockRestore();
  });
});

describe('atolye.mediaUrl and pathsForFiles', () => {
  it('builds media URLs the media protocol accepts', () => {
    const { bridge } = loadPreload();
    const id = '0190e0e0-1234-7abc-8def-0123456789ab';
    expect(bridge.mediaUrl(id, 'thumb')).toBe(`atolye-media://thumb/${id}`);
    expect(parseMediaUrl(bridge.mediaUrl(id, 'original'))).toEqual({ variant: 'original', assetId: id });
    expect(parseMediaUrl(bridge.mediaUrl(id, 'video'))).toEqual({ variant: 'video', assetId: id });
    expect(() => bridge.mediaUrl(id, 'raw')).toThrow(/variant/);
    expect(parseMediaUrl(bridge.mediaUrl('../../etc/passwd', 'thumb'))).toBeNull();
  });

  it('asks webUtils for each file path, and tells main which paths the user chose', () => {
    const { bridge, ipcRenderer } = loadPreload();
    expect(bridge.pathsForFiles([{ fakePath: '/home/u/Ürünler' }, { fakePath: '/home/u/a b.jpg' }])).toEqual(['/home/u/Ürünler', '/home/u/a b.jpg']);
    expect(ipcRenderer.send.mock.calls).toEqual([[PATHS_CHOSEN_CHANNEL, ['/home/u/Ürünler', '/home/u/a b.jpg']]]);
    // A File made by script has no path: nothing is reported for it.
    expect(bridge.pathsForFiles([{ fakePath: '' }])).toEqual(['']);
    expect(ipcRenderer.send).toHaveBeenCalledTimes(1);
  });
});

describe('atolye.choosePath and revealPath', () => {
  it('forward to main on their own channels and pass back only a string path or null', async () => {
    const { bridge, ipcRenderer } = loadPreload();
    ipcRenderer.invoke.mockResolvedValueOnce('/home/u/Downloads/catalog.zip');
    await expect(bridge.choosePath({ kind: 'save', defaultName: 'catalog.zip' })).resolves.toBe('/home/u/Downloads/catalog.zip');
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(CHOOSE_PATH_CHANNEL, { kind: 'save', defaultName: 'catalog.zip' });
    ipcRenderer.invoke.mockResolvedValueOnce({ not: 'a path' });
    await expect(bridge.choosePath({ kind: 'folder' })).resolves.toBeNull();
    ipcRenderer.invoke.mockResolvedValueOnce(true);
    await expect(bridge.revealPath('/home/u/Downloads/catalog.zip')).resolves.toBe(true);
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(REVEAL_PATH_CHANNEL, '/home/u/Downloads/catalog.zip');
    await expect(bridge.revealPath(42)).rejects.toThrow(/must be a string/);
  });

  it('startDrag sends only string ids, at most 500, on its channel', () => {
    const { bridge, ipcRenderer } = loadPreload();
    bridge.startDrag(['a', 42, 'b', ...Array.from({ length: 600 }, (_, i) => `x${i}`)]);
    const [[channel, ids]] = ipcRenderer.send.mock.calls as [[string, string[]]];
    expect(channel).toBe(START_DRAG_CHANNEL);
    expect(ids.slice(0, 2)).toEqual(['a', 'b']);
    expect(ids).toHaveLength(500);
    expect(() => bridge.startDrag('a')).toThrow(/array/);
  });

  it('use the channel names main listens on', () => {
    expect(preloadCode).toContain(`"${START_DRAG_CHANNEL}"`);
    expect(preloadCode).toContain(`"${CHOOSE_PATH_CHANNEL}"`);
    expect(preloadCode).toContain(`"${REVEAL_PATH_CHANNEL}"`);
  });
});

describe('the main bundle', () => {
  it('is CommonJS and leaves only electron, Node built-ins and native packages outside', () => {
    const required = new Set([...mainCode.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    for (const name of required) expect(name === 'electron' || name.startsWith('node:') || ['better-sqlite3', 'sharp', 'onnxruntime-node'].includes(name), name).toBe(true);
    expect(required.has('electron')).toBe(true);
    // The engine stays in its own process: main never loads the library or image code.
    expect(required.has('better-sqlite3')).toBe(false);
    expect(required.has('sharp')).toBe(false);
    expect(mainCode).not.toMatch(/^\s*import\s/m);
  });
});
