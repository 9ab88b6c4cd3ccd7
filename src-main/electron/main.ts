/**
 * Electron main: the thin shell. Windows, the two app protocols, the one IPC entry
 * point, OS notifications, and the engine host process (which does all real work off
 * this thread). Bundled by scripts/build-electron.mjs to dist/electron/main.cjs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, nativeTheme, Notification, protocol, session, shell, utilityProcess } from 'electron';
import type { EngineEvent } from '../../src-shared/contract/index.js';
import { appPaths, isNetworkUrl } from './app-paths.js';
import { EngineClient, type EngineRuntime } from './engine-client.js';
import { chooseEngineRuntimes, nodeRuntime, utilityRuntime } from './engine-runtimes.js';
import { broadcastEvent, createIpcHandler, installIpc, senderFrameOf } from './ipc.js';
import { createDragOut, START_DRAG_CHANNEL } from './drag-out.js';
import { createDialogHandlers, installDialogs, type NativeDialogs } from './native-dialogs.js';
import { NotifiedOnce, notificationFor } from './notifications.js';
import { PathGrants } from './path-grants.js';
import { createAppProtocolHandler, createMediaProtocolHandler, privilegedSchemes } from './protocols.js';
import { APP_ORIGIN, APP_SCHEME, guardWebContents, hardenSession, MEDIA_SCHEME, openExternalAfterConfirm } from './security.js';
import { windowOptions } from './window.js';

// Must happen before `ready`.
protocol.registerSchemesAsPrivileged(privilegedSchemes());

const log = (line: string) => console.error(`[main] ${line}`);

if (!app.requestSingleInstanceLock()) {
  // Another Atölye owns the library (one writer to SQLite); it gets focused instead.
  app.quit();
} else {
  run();
}

function run(): void {
  const paths = appPaths(app.getAppPath());
  let mainWindow: BrowserWindow | null = null;
  let engineStopped = false;
  let quitting = false;
  let restartedOnce = false;
  const notified = new NotifiedOnce();

  if (process.platform === 'win32') app.setAppUserModelId('com.atolye.app');

  const engine = new EngineClient({
    runtimes: engineRuntimes(paths.engineHost),
    log: (line) => console.error(`[engine] ${line}`),
    onEvent: (event) => onEngineEvent(event),
    onStateChange: (state, detail) => {
      log(`engine ${state}${detail ? ` (${detail})` : ''}`);
      if (state === 'ready' && restartedOnce) {
        // Events emitted while the engine was down are lost: tell pages to refetch everything.
        sendToPages({ type: 'projects.changed', payload: { projectId: null } });
      }
      if (state === 'restarting') restartedOnce = true;
      if (state === 'failed' && !quitting) dialog.showErrorBox('Atölye', `The engine could not be started.\n\n${detail ?? ''}`);
    },
  });

  function sendToPages(event: EngineEvent): void {
    broadcastEvent(
      BrowserWindow.getAllWindows().map((w) => w.webContents),
      event,
    );
  }

  function onEngineEvent(event: EngineEvent): void {
    sendToPages(event);
    if (!Notification.isSupported() || BrowserWindow.getFocusedWindow()) return;
    void notificationFor(event, {
      locale: app.getLocale(),
      projectName: async (id) => ((await engine.call('projects.get', { id })) as { name: string }).name,
    })
      .then((text) => {
        if (!text || !notified.first(text.key)) return;
        const n = new Notification({ title: text.title, body: text.body, ...(existsSync(paths.icon) ? { icon: paths.icon } : {}) });
        n.on('click', () => focus(mainWindow));
        n.show();
      })
      .catch((err: unknown) => log(`notification failed: ${(err as Error).message}`));
  }

  function createWindow(): BrowserWindow {
    const win = new BrowserWindow(windowOptions({ preloadPath: paths.preload, iconPath: existsSync(paths.icon) ? paths.icon : undefined, dark: nativeTheme.shouldUseDarkColors }));
    win.once('ready-to-show', () => win.show());
    // A page that fails to load would never be ready to show: show the error page instead.
    win.webContents.once('did-fail-load', (_event, code, description, url) => {
      log(`could not load ${url}: ${description} (${code})`);
      if (!win.isDestroyed()) win.show();
    });
    win.webContents.on('render-process-gone', (_event, details) => {
      log(`renderer gone (${details.reason}); reloading`);
      if (details.reason !== 'clean-exit' && !win.isDestroyed()) win.reload();
    });
    // A page with unsaved work cancels its unload (renderer leave-guard.ts); unhandled, Electron
    // would refuse to close or reload without a word, so the user is asked here.
    win.webContents.on('will-prevent-unload', (event) => {
      const leave = dialog.showMessageBoxSync(win, { type: 'question', buttons: ['Leave', 'Stay'], defaultId: 1, cancelId: 1, message: 'Leave without saving?', detail: 'This page has changes that are not saved yet.' });
      if (leave === 0) event.preventDefault();
    });
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    void win.loadURL(`${APP_ORIGIN}/index.html`);
    return win;
  }

  app.on('second-instance', () => focus(mainWindow));

  const confirmExternal = async (url: string) => {
    const options = {
      type: 'question' as const,
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Open this page in your web browser?',
      detail: url,
    };
    const answer = mainWindow && !mainWindow.isDestroyed() ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
    return answer.response === 0;
  };
  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, (url) =>
      openExternalAfterConfirm(url, { confirm: confirmExternal, open: (u) => shell.openExternal(u) }).catch((err: unknown) => log(`opening ${url} failed: ${(err as Error).message}`)),
    ),
  );

  app.on('before-quit', (event) => {
    if (engineStopped) return;
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    void engine
      .shutdown()
      .then((clean) => log(clean ? 'engine closed cleanly' : 'engine did not confirm a clean close'))
      .finally(() => {
        engineStopped = true;
        app.quit();
      });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  void app.whenReady().then(() => {
    for (const [label, file] of [
      ['renderer', `${paths.renderer}/index.html`],
      ['preload', paths.preload],
      ['engine host', paths.engineHost],
    ] as const) {
      if (!existsSync(file)) log(`missing ${label} build at ${file}: run \`npm run build\``);
    }

    hardenSession(session.defaultSession);
    session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
      // App pages load from the app protocols only; DevTools and the like are not pages.
      callback({ cancel: details.webContentsId !== undefined && isNetworkUrl(details.url) });
    });
    protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: paths.renderer }));
    protocol.handle(MEDIA_SCHEME, createMediaProtocolHandler({ lookup: (assetId, variant) => engine.media(assetId, variant), log }));
    const pathGrants = new PathGrants();
    installIpc(ipcMain, createIpcHandler({ dispatchToEngine: (method, input) => engine.call(method, input), log, pathGrants }), pathGrants);
    installDialogs(ipcMain, createDialogHandlers(nativeDialogs(), pathGrants, { log }), senderFrameOf);
    const dragOut = createDragOut({
      lookup: async (id) => {
        const asset = (await engine.call('assets.get', { id })) as { fileName: string };
        const file = await engine.media(id, 'original');
        return file ? { path: file.path, name: asset.fileName } : null;
      },
      stageDir: path.join(app.getPath('temp'), 'atolye-drag'),
      log,
    });
    ipcMain.on(START_DRAG_CHANNEL, (event, ids) => {
      const sender = event.sender;
      void dragOut(senderFrameOf(event), ids, (files) => sender.startDrag({ file: files[0]!, files, icon: existsSync(paths.icon) ? paths.icon : files[0]! })).catch((err: unknown) => log(`drag failed: ${(err as Error).message}`));
    });

    engine.start().catch((err: unknown) => log(`engine start failed: ${(err as Error).message}`));
    mainWindow = createWindow();

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });
}

function engineRuntimes(entry: string): EngineRuntime[] {
  return chooseEngineRuntimes({
    packaged: app.isPackaged,
    env: process.env,
    utility: (env) => utilityRuntime(utilityProcess, { entry, env }),
    node: (execPath, env) => nodeRuntime({ entry, execPath, env }),
    log,
  });
}

/** Electron's dialogs, modal to the window that asked. */
function nativeDialogs(): NativeDialogs {
  const windowOf = (senderId: number) => BrowserWindow.getAllWindows().find((w) => !w.isDestroyed() && w.webContents.id === senderId);
  const modal = async <T extends { canceled: boolean }>(senderId: number, show: (win: BrowserWindow | undefined) => Promise<T>) => {
    const result = await show(windowOf(senderId));
    return result.canceled ? null : result;
  };
  return {
    save: async (senderId, options) => (await modal(senderId, (win) => (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options))))?.filePath || null,
    openFolder: async (senderId) => {
      const options = { properties: ['openDirectory' as const, 'createDirectory' as const] };
      return (await modal(senderId, (win) => (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options))))?.filePaths[0] ?? null;
    },
    openFile: async (senderId, { filters }) => {
      const options = { properties: ['openFile' as const], ...(filters ? { filters } : {}) };
      return (await modal(senderId, (win) => (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options))))?.filePaths[0] ?? null;
    },
    reveal: (p) => shell.showItemInFolder(p),
    defaultFolder: () => app.getPath('downloads'),
  };
}

function focus(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
