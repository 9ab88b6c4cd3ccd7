/**
 * The desktop app in Chromium, where no Electron binary exists. Electron main's BUILT
 * bundle runs under Node with the recording stand-in for the `electron` module
 * (test/electron/fixtures/fake-electron-harness.mjs) and the real engine host; the page is
 * the built renderer served by main's own `atolye://` and `atolye-media://` protocol
 * handlers (through page.route), and `window.atolye` is a stand-in for the preload whose
 * every call goes to main's real IPC handlers (the contract call with its path grants,
 * the OS dialogs, reveal). What is not real: Electron itself, the OS dialog (answered
 * with `answerDialogs`), and the sender frame, which the stand-in reports as the app's.
 * src-preload/preload.ts's own behaviour is tested in test/electron/preload.test.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test } from './fixtures.js';
import { repoRoot } from './server.js';

/** Where the page pretends to live: every request to it is answered by main's protocol handlers. */
export const DESKTOP_ORIGIN = 'http://atolye.desktop';
const APP_FRAME = { frameUrl: 'atolye://app/index.html', isMainFrame: true };

export interface Desktop {
  /** Calls main's IPC handler as the app window would (channel atolye:call). */
  call<T = unknown>(method: string, input: unknown): Promise<T>;
  /** What the preload reports after a drop: these paths become callable from the window. */
  drop(paths: string[]): Promise<void>;
  /** The OS dialog's answer from now on (null: the user cancels). */
  answerDialogs(p: string | null): Promise<void>;
  /** What main asked of Electron so far (dialogs shown, paths revealed, …). */
  record(): Promise<{ what: string; [k: string]: unknown }[]>;
  /** Serves `page` as the app window. */
  open(page: Page): Promise<void>;
  stop(): Promise<void>;
}

export async function startDesktop(workDir: string): Promise<Desktop> {
  const appRoot = path.join(workDir, 'desktop-app');
  // @ts-expect-error: plain .mjs build script without type declarations
  const { buildElectron } = (await import('../../scripts/build-electron.mjs')) as { buildElectron(o: { outDir: string }): Promise<{ main: string }> };
  const { main } = await buildElectron({ outDir: path.join(appRoot, 'dist') });
  await fs.symlink(path.join(repoRoot, 'dist', 'renderer'), path.join(appRoot, 'dist', 'renderer'), 'dir');
  const harness = path.join(repoRoot, 'test/electron/fixtures');
  const child: ChildProcess = fork(
    path.join(harness, 'fake-electron-harness.mjs'),
    [main, appRoot, path.join(repoRoot, 'src-main/engine-host/main.ts'), path.join(harness, 'parent-port-shim.mjs')],
    { env: { ...process.env, ATOLYE_DATA_DIR: path.join(workDir, 'desktop-data'), ATOLYE_WORKERS: '1', FAKE_TEMP_DIR: workDir }, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const eventListeners = new Set<(event: unknown) => void>();
  let loaded!: () => void;
  const isLoaded = new Promise<void>((r) => (loaded = r));
  child.on('message', (m: { id: number; value?: unknown; error?: string; sent?: { channel: string; payload: unknown } }) => {
    if (m.id === 0) return loaded();
    if (m.id === -1) {
      if (m.sent?.channel === 'atolye:event') for (const l of eventListeners) l(m.sent.payload);
      return;
    }
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(m.error));
    else w?.resolve(m.value);
  });
  let nextId = 1;
  const send = <T = unknown>(cmd: string, args: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd, ...args });
    });
  await isLoaded;
  await send('ready');
  const invoke = <T,>(channel: string, args: unknown[]) => send<T>('invoke', { ...APP_FRAME, channel, args });
  // The engine host is up once a call answers.
  for (let i = 0; ; i++) {
    const info = await invoke<{ ok: boolean }>('atolye:call', ['engine.info', {}]).catch(() => ({ ok: false }));
    if (info.ok) break;
    if (i > 600) throw new Error('the desktop stand-in engine did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    async call<T>(method: string, input: unknown) {
      const reply = await invoke<{ ok: true; result: T } | { ok: false; error: { code: string; message: string } }>('atolye:call', [method, input]);
      if (!reply.ok) throw new Error(`[${reply.error.code}] ${reply.error.message}`);
      return reply.result;
    },
    async drop(paths) {
      await send('rendererSend', { ...APP_FRAME, channel: 'atolye:paths-chosen', args: [paths] });
    },
    async answerDialogs(p) {
      await send('answerDialogs', { path: p });
    },
    record: () => send('record'),
    async open(page) {
      await page.route(`${DESKTOP_ORIGIN}/**`, async (route) => {
        const url = new URL(route.request().url());
        const media = /^\/__media\/(thumb|original|video)\/(.+)$/.exec(url.pathname);
        const target = media ? { scheme: 'atolye-media', url: `atolye-media://${media[1]}/${media[2]}` } : { scheme: 'atolye', url: `atolye://app${url.pathname}` };
        const range = route.request().headers()['range'];
        const res = await send<{ status: number; headers: Record<string, string>; body: string }>('fetch', { ...target, ...(range ? { range } : {}) });
        await route.fulfill({ status: res.status, headers: res.headers, body: Buffer.from(res.body, 'base64') });
      });
      await page.exposeBinding('__desktopInvoke', async (_source, channel: string, ...args: unknown[]) => {
        // Channels the preload sends on (ipcRenderer.send) rather than invokes.
        if (channel === 'atolye:paths-chosen' || channel === 'atolye:start-drag') return send('rendererSend', { ...APP_FRAME, channel, args });
        return invoke(channel, args);
      });
      const forward = (event: unknown) => void page.evaluate((e) => (window as unknown as { __desktopEvent?: (e: unknown) => void }).__desktopEvent?.(e), event).catch(() => {});
      eventListeners.add(forward);
      page.once('close', () => eventListeners.delete(forward));
      await page.addInitScript(
        ({ origin }) => {
          type Invoke = (channel: string, ...args: unknown[]) => Promise<unknown>;
          const invokeMain = (window as unknown as { __desktopInvoke: Invoke }).__desktopInvoke;
          const listeners = new Set<(e: unknown) => void>();
          (window as unknown as { __desktopEvent: (e: unknown) => void }).__desktopEvent = (e) => listeners.forEach((l) => l(e));
          // The preload's shape (src-preload/preload.ts), each method forwarded to main.
          (window as unknown as { atolye: unknown }).atolye = {
            async call(method: string, input: unknown) {
              const reply = (await invokeMain('atolye:call', method, input)) as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
              if (reply.ok) return reply.result;
              throw new Error(`[${reply.error!.code}] ${reply.error!.message}`);
            },
            subscribe(listener: (e: unknown) => void) {
              listeners.add(listener);
              return () => listeners.delete(listener);
            },
            mediaUrl: (assetId: string, variant: string) => `${origin}/__media/${variant}/${encodeURIComponent(assetId)}`,
            // Files Playwright hands the page carry no OS path; tests grant paths with desktop.drop().
            pathsForFiles: (files: File[]) => files.map(() => ''),
            choosePath: async (request: unknown) => (await invokeMain('atolye:choose-path', request)) as string | null,
            revealPath: async (p: string) => (await invokeMain('atolye:reveal-path', p)) === true,
            startDrag: (ids: string[]) => void invokeMain('atolye:start-drag', ids),
          };
        },
        { origin: DESKTOP_ORIGIN },
      );
      await page.goto(`${DESKTOP_ORIGIN}/index.html`);
    },
    async stop() {
      await send('quit').catch(() => {});
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * One desktop stand-in for a spec file: started before its tests in the first test's
 * output folder (`root`), stopped after them. Read `desktop` and `root` inside a test.
 */
export function useDesktop(): { readonly desktop: Desktop; readonly root: string } {
  const state = {} as { desktop: Desktop; root: string };
  // Playwright reads a hook's fixtures from its destructuring pattern, so an empty one is required.
  // eslint-disable-next-line no-empty-pattern
  test.beforeAll(async ({}, testInfo) => {
    state.root = testInfo.outputPath('desktop');
    await fs.mkdir(state.root, { recursive: true });
    state.desktop = await startDesktop(state.root);
  });
  test.afterAll(async () => {
    await state.desktop?.stop();
  });
  return state;
}
