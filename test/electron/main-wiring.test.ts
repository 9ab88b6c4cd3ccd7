import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspHeader } from '../../src-main/electron/security.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { fixture, hostEntry } from './host-harness.js';
// @ts-expect-error: plain .mjs build script without type declarations
import { buildElectron } from '../../scripts/build-electron.mjs';

/**
 * The built Electron main bundle, run under Node with a recording stand-in for the
 * electron module (see fixtures/fake-electron-harness.mjs) and the real engine host.
 * Covers main.ts's wiring where no Electron binary exists; the e2e-electron project
 * covers the same against real Electron where one does.
 */
interface Harness {
  child: ChildProcess;
  send<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
}

type Rec = { what: string; [k: string]: unknown };

async function startHarness(mainBundle: string, appRoot: string, env: NodeJS.ProcessEnv): Promise<Harness> {
  const child = fork(fixture('fake-electron-harness.mjs'), [mainBundle, appRoot, hostEntry, fixture('parent-port-shim.mjs')], {
    env,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let loaded!: () => void;
  const isLoaded = new Promise<void>((r) => (loaded = r));
  child.on('message', (m: { id: number; value?: unknown; error?: string }) => {
    if (m.id === 0) return loaded();
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(m.error));
    else w?.resolve(m.value);
  });
  let nextId = 1;
  await isLoaded;
  return {
    child,
    send: <T,>(cmd: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, ...args });
      }),
  };
}

describe('Electron main wiring (built bundle, stand-in electron module, real engine host)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let mainBundle: string;
  let appRoot: string;
  let dataDir: string;
  let h: Harness;
  const app = { frameUrl: 'atolye://app/index.html', isMainFrame: true };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-main-'));
    appRoot = path.join(dir, 'app');
    dataDir = path.join(dir, 'data');
    mainBundle = ((await buildElectron({ outDir: path.join(appRoot, 'dist') })) as { main: string }).main;
    await fs.mkdir(path.join(appRoot, 'dist', 'renderer'), { recursive: true });
    await fs.writeFile(path.join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Atölye</title>');
    h = await startHarness(mainBundle, appRoot, { ...process.env, ATOLYE_DATA_DIR: dataDir, ATOLYE_WORKERS: '1', FAKE_TEMP_DIR: dir });
  });
  afterAll(async () => {
    if (h?.child.exitCode === null) h.child.kill('SIGKILL');
    await cleanup();
  });

  it('registers the privileged schemes before ready and takes the single-instance lock', async () => {
    const record = await h.send<Rec[]>('record');
    const schemes = record.find((r) => r.what === 'registerSchemesAsPrivileged');
    expect(schemes).toMatchObject({ beforeReady: true });
    expect((schemes!.schemes as { scheme: string }[]).map((s) => s.scheme)).toEqual(['atolye', 'atolye-media']);
    expect(record.some((r) => r.what === 'requestSingleInstanceLock')).toBe(true);
    // Nothing else happens before ready.
    expect(record.map((r) => r.what)).not.toContain('BrowserWindow');
  });

  it('on ready: both protocols, one IPC call channel (and the chosen-paths report), a locked-down window on the app origin, the engine in a utility process', async () => {
    await h.send('ready');
    await expect.poll(async () => (await h.send<Rec[]>('record')).some((r) => r.what === 'loadURL'), { timeout: 10_000 }).toBe(true);
    const record = await h.send<Rec[]>('record');
    expect(record.filter((r) => r.what === 'protocol.handle').map((r) => r.scheme)).toEqual(['atolye', 'atolye-media']);
    expect(record.filter((r) => r.what.startsWith('ipcMain')).map((r) => [r.what, r.channel])).toEqual([
      ['ipcMain.handle', 'atolye:call'],
      ['ipcMain.on', 'atolye:paths-chosen'],
      ['ipcMain.handle', 'atolye:choose-path'],
      ['ipcMain.handle', 'atolye:reveal-path'],
      ['ipcMain.on', 'atolye:start-drag'],
    ]);
    const win = record.find((r) => r.what === 'BrowserWindow') as unknown as { options: { webPreferences: Record<string, unknown> } };
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: path.join(appRoot, 'dist', 'preload', 'preload.cjs'),
    });
    expect(record.find((r) => r.what === 'loadURL')).toMatchObject({ url: 'atolye://app/index.html' });
    expect(record.find((r) => r.what === 'utilityProcess.fork')).toMatchObject({ modulePath: path.join(appRoot, 'dist', 'src-main', 'engine-host', 'main.js') });
  });

  it('serves the renderer with the CSP', async () => {
    const page = await h.send<{ status: number; csp: string; text: string }>('protocol', { scheme: 'atolye', url: 'atolye://app/index.html' });
    expect(page).toMatchObject({ status: 200, csp: cspHeader() });
    expect(page.text).toContain('<title>Atölye</title>');
  });

  it('answers IPC calls from the app page through the engine, and refuses others', async () => {
    const info = await h.send<{ ok: boolean; result: { dataDir: string } }>('invoke', { ...app, channel: 'atolye:call', args: ['engine.info', {}] });
    expect(info).toMatchObject({ ok: true, result: { dataDir } });
    expect(await h.send('invoke', { frameUrl: 'https://evil.example/', isMainFrame: true, channel: 'atolye:call', args: ['projects.list', {}] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.send('invoke', { ...app, isMainFrame: false, channel: 'atolye:call', args: ['projects.list', {}] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.send('invoke', { ...app, channel: 'atolye:call', args: ['shutdown', {}] })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await h.send('invoke', { ...app, channel: 'atolye:other', args: [] })).toEqual({ noHandler: true });
  });

  it('imports through IPC: events reach the page, media is served by id, a notification says it finished', async () => {
    const folder = path.join(dir, 'Kataloğ');
    await writeJpegs(folder, 3);
    // A path the page names on its own is refused; once the user dropped the folder (the preload reports it) it goes through.
    expect(await h.send('invoke', { ...app, channel: 'atolye:call', args: ['import.start', { paths: [folder] }] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await h.send('rendererSend', { ...app, channel: 'atolye:paths-chosen', args: [[folder]] })).toEqual({ sent: true });
    const started = await h.send<{ ok: true; result: { importId: string; projectId: string } }>('invoke', { ...app, channel: 'atolye:call', args: ['import.start', { paths: [folder] }] });
    expect(started.ok).toBe(true);
    await expect
      .poll(async () => (await h.send<Rec[]>('record')).find((r) => r.what === 'notification'), { timeout: 30_000 })
      .toMatchObject({ title: 'Import finished: Kataloğ', body: '3 images imported' });
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
    const notes = (await h.send<Rec[]>('record')).filter((r) => r.what === 'notification');
    expect(notes).toHaveLength(1);
    const sent = await h.send<{ channel: string; payload: { type: string; payload: { state?: string } } }[]>('sent');
    expect(sent.every((s) => s.channel === 'atolye:event')).toBe(true);
    expect(sent.some((s) => s.payload.type === 'import.progress' && s.payload.payload.state === 'done')).toBe(true);

    const page = await h.send<{ ok: true; result: { items: { id: string }[] } }>('invoke', { ...app, channel: 'atolye:call', args: ['assets.list', { projectId: started.result.projectId }] });
    const thumb = await h.send<{ status: number; contentType: string; length: number }>('protocol', { scheme: 'atolye-media', url: `atolye-media://thumb/${page.result.items[0]!.id}` });
    expect(thumb).toMatchObject({ status: 200, contentType: 'image/webp' });
    expect(thumb.length).toBeGreaterThan(0);

    // Dragged out: staged under its own file name, byte for byte the library's image, and the OS drag started with it.
    const first = page.result.items[0] as { id: string; fileName: string; sha256: string };
    await h.send('rendererSend', { ...app, channel: 'atolye:start-drag', args: [[first.id, 'not-an-id']] });
    await expect.poll(async () => (await h.send<Rec[]>('record')).some((r) => r.what === 'startDrag'), { timeout: 10_000 }).toBe(true);
    const dragged = (await h.send<Rec[]>('record')).find((r) => r.what === 'startDrag') as unknown as { item: { file: string; files: string[] } };
    expect(dragged.item.files).toHaveLength(1);
    expect(path.basename(dragged.item.file)).toBe(first.fileName);
    expect(createHash('sha256').update(await fs.readFile(dragged.item.file)).digest('hex')).toBe(first.sha256);
  });

  it('shows the OS folder dialog for the page and lets calls name what the user picked there, and reveals only that', async () => {
    const folder = path.join(dir, 'Seçilen');
    await writeJpegs(folder, 1);
    // models.import with a photo for a model: the engine refuses the file itself, which it can only do once IPC let the path through.
    const naming = { ...app, channel: 'atolye:call', args: ['models.import', { path: path.join(folder, 'a.jpg'), task: 'background-removal' }] };
    expect(await h.send('invoke', naming)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await h.send('answerDialogs', { path: null });
    expect(await h.send('invoke', { ...app, channel: 'atolye:choose-path', args: [{ kind: 'folder' }] })).toBeNull();
    await h.send('answerDialogs', { path: folder });
    expect(await h.send('invoke', { ...app, channel: 'atolye:choose-path', args: [{ kind: 'folder' }] })).toBe(folder);
    const opened = (await h.send<Rec[]>('record')).filter((r) => r.what === 'showOpenDialog');
    expect(opened.at(-1)).toMatchObject({ modal: true, options: { properties: ['openDirectory', 'createDirectory'] } });
    const reply = await h.send<{ ok: boolean; error?: { code: string } }>('invoke', naming);
    expect(reply.ok).toBe(false);
    expect(reply.error?.code).not.toBe('forbidden');
    expect(await h.send('invoke', { ...app, channel: 'atolye:choose-path', args: [{ kind: 'save', defaultName: '../x.zip' }] })).toBe(folder);
    expect((await h.send<Rec[]>('record')).find((r) => r.what === 'showSaveDialog')).toMatchObject({ options: { defaultPath: '/home/fake/downloads/x.zip' } });
    expect(await h.send('invoke', { ...app, channel: 'atolye:reveal-path', args: [path.join(folder, 'a.jpg')] })).toBe(true);
    expect(await h.send('invoke', { ...app, channel: 'atolye:reveal-path', args: ['/etc/passwd'] })).toBe(false);
    expect((await h.send<Rec[]>('record')).filter((r) => r.what === 'showItemInFolder').map((r) => r.path)).toEqual([path.join(folder, 'a.jpg')]);
    await expect(h.send('invoke', { frameUrl: 'https://evil.example/', isMainFrame: true, channel: 'atolye:choose-path', args: [{ kind: 'folder' }] })).rejects.toThrow();
  });

  it('guards navigation and blocks network requests from pages', async () => {
    expect(await h.send('navigate', { url: 'https://example.com/' })).toEqual({ prevented: true, opened: { action: 'deny' } });
    expect(await h.send('navigate', { url: 'atolye://app/index.html#/gallery' })).toEqual({ prevented: false, opened: { action: 'deny' } });
    // Not allow-listed: no dialog, nothing opened.
    expect((await h.send<Rec[]>('record')).filter((r) => r.what === 'openExternal' || r.what === 'showMessageBox')).toEqual([]);
    // A model's homepage: opened after the user confirms a dialog that shows the address; a cancelled one is not opened.
    expect(await h.send('navigate', { url: 'https://huggingface.co/briaai/RMBG-1.4' })).toEqual({ prevented: true, opened: { action: 'deny' } });
    expect(await h.send('navigate', { url: 'https://github.com/cancel/this' })).toEqual({ prevented: true, opened: { action: 'deny' } });
    await new Promise((r) => setTimeout(r, 200));
    const record = await h.send<Rec[]>('record');
    expect(record.filter((r) => r.what === 'showMessageBox').map((r) => (r as unknown as { detail: string }).detail)).toEqual([
      'https://huggingface.co/briaai/RMBG-1.4',
      'https://huggingface.co/briaai/RMBG-1.4',
      'https://github.com/cancel/this',
      'https://github.com/cancel/this',
    ]);
    expect(record.filter((r) => r.what === 'openExternal').map((r) => (r as unknown as { url: string }).url)).toEqual(['https://huggingface.co/briaai/RMBG-1.4', 'https://huggingface.co/briaai/RMBG-1.4']);
    expect(await h.send('webRequest', { url: 'https://cdn.example.com/x.js', webContentsId: 1 })).toEqual({ cancel: true });
    expect(await h.send('webRequest', { url: 'atolye://app/index.html', webContentsId: 1 })).toEqual({ cancel: false });
  });

  it('restarts a crashed engine and tells the page to refetch', async () => {
    await h.send('killHost');
    await expect
      .poll(async () => (await h.send<Rec[]>('record')).filter((r) => r.what === 'utilityProcess.fork').length, { timeout: 15_000 })
      .toBe(2);
    const projects = await h.send<{ ok: true; result: { name: string }[] }>('invoke', { ...app, channel: 'atolye:call', args: ['projects.list', {}] });
    expect(projects.result.map((p) => p.name)).toEqual(['Kataloğ']);
    await expect
      .poll(async () => (await h.send<{ payload: { type: string; payload: { projectId?: unknown } } }[]>('sent')).some((s) => s.payload.type === 'projects.changed' && s.payload.payload.projectId === null))
      .toBe(true);
  });

  it('on quit: holds the quit until the engine closed the library cleanly', async () => {
    const result = await h.send<{ proceeded: boolean; hostExitCodes: (number | null)[] }>('quit');
    expect(result.proceeded).toBe(true);
    expect(result.hostExitCodes.at(-1)).toBe(0);
    const record = await h.send<Rec[]>('record');
    expect(record.filter((r) => r.what === 'app.quit').length).toBe(2); // the user's, then main's after shutdown
    const db = new Database(path.join(dataDir, 'library.db'), { readonly: true });
    const boots = db.prepare('SELECT clean FROM boots ORDER BY started_at').all() as { clean: number }[];
    db.close();
    expect(boots.at(-1)).toEqual({ clean: 1 });
    expect(boots[0]).toEqual({ clean: 0 }); // the killed one
  });
});

describe('a second instance', () => {
  it('quits at once without touching the library', async () => {
    const { dir, cleanup } = await tempDir('atolye-main-');
    try {
      const appRoot = path.join(dir, 'app');
      const mainBundle = ((await buildElectron({ outDir: path.join(appRoot, 'dist') })) as { main: string }).main;
      const h = await startHarness(mainBundle, appRoot, { ...process.env, ATOLYE_DATA_DIR: path.join(dir, 'data'), FAKE_SINGLE_INSTANCE_LOCK: '0' });
      await h.send('ready');
      await new Promise((r) => setTimeout(r, 300));
      const record = await h.send<Rec[]>('record');
      h.child.kill();
      expect(record.map((r) => r.what)).toEqual(['registerSchemesAsPrivileged', 'requestSingleInstanceLock', 'app.quit', 'quit-proceeds']);
    } finally {
      await cleanup();
    }
  });
});
