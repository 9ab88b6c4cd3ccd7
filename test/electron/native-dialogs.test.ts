import { describe, expect, it } from 'vitest';
import { CHOOSE_PATH_CHANNEL, createDialogHandlers, installDialogs, REVEAL_PATH_CHANNEL, type NativeDialogs } from '../../src-main/electron/native-dialogs.js';
import type { IpcMainLike } from '../../src-main/electron/ipc.js';
import { createIpcHandler } from '../../src-main/electron/ipc.js';
import { PathGrants } from '../../src-main/electron/path-grants.js';
import { safeDefaultName } from '../../src-shared/native-dialogs.js';

const app = { url: 'atolye://app/index.html', isMainFrame: true };
const stranger = { url: 'https://evil.example/', isMainFrame: true };

/** Electron's dialogs, replaced by a user who answers with `answer` and a record of what was shown. */
function standIn(answer: string | null) {
  const shown: { kind: string; senderId: number; options?: unknown }[] = [];
  const revealed: string[] = [];
  const dialogs: NativeDialogs = {
    save: async (senderId, options) => (shown.push({ kind: 'save', senderId, options }), answer),
    openFolder: async (senderId) => (shown.push({ kind: 'folder', senderId }), answer),
    openFile: async (senderId, options) => (shown.push({ kind: 'open', senderId, options }), answer),
    reveal: (p) => void revealed.push(p),
    defaultFolder: () => '/home/u/Downloads',
  };
  return { dialogs, shown, revealed };
}

describe('native dialogs', () => {
  it('grant what the user picked in a save dialog to that window only, so the export call naming it passes the IPC check', async () => {
    const { dialogs, shown } = standIn('/home/u/Downloads/catalog.zip');
    const grants = new PathGrants();
    const handlers = createDialogHandlers(dialogs, grants, { log: () => {} });
    const ipc = createIpcHandler({ dispatchToEngine: async () => 'reached', log: () => {}, pathGrants: grants });
    const call = { path: '/home/u/Downloads/catalog.zip', task: 'background-removal' };
    expect(await ipc(app, 'models.import', call, 7)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await expect(handlers.choose(app, 7, { kind: 'save', defaultName: 'catalog.zip', filters: [{ name: 'ZIP', extensions: ['zip'] }] })).resolves.toBe('/home/u/Downloads/catalog.zip');
    expect(shown).toEqual([{ kind: 'save', senderId: 7, options: { defaultPath: '/home/u/Downloads/catalog.zip', filters: [{ name: 'ZIP', extensions: ['zip'] }] } }]);
    expect(await ipc(app, 'models.import', call, 7)).toEqual({ ok: true, result: 'reached' });
    expect(await ipc(app, 'models.import', call, 8)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('grant a picked folder with everything under it, and nothing when the user cancels', async () => {
    const grants = new PathGrants();
    await createDialogHandlers(standIn(null).dialogs, grants).choose(app, 3, { kind: 'folder' });
    expect(grants.allows(3, '/home/u/Export')).toBe(false);
    await expect(createDialogHandlers(standIn('/home/u/Export').dialogs, grants).choose(app, 3, { kind: 'folder' })).resolves.toBe('/home/u/Export');
    expect(grants.allows(3, '/home/u/Export/train/0001/frame_0001.png')).toBe(true);
    expect(grants.allows(3, '/home/u/Export2')).toBe(false);
  });

  it('refuse other pages and malformed requests without showing anything', async () => {
    const { dialogs, shown } = standIn('/etc/passwd');
    const grants = new PathGrants();
    const handlers = createDialogHandlers(dialogs, grants, { log: () => {} });
    await expect(handlers.choose(stranger, 1, { kind: 'open' })).rejects.toThrow(/app window/);
    await expect(handlers.choose({ ...app, isMainFrame: false }, 1, { kind: 'open' })).rejects.toThrow(/app window/);
    for (const bad of [null, 'save', { kind: 'delete' }, { kind: 'save', defaultName: 'x'.repeat(300) }, { kind: 'open', filters: [{ name: 'x', extensions: ['../..'] }] }]) {
      await expect(handlers.choose(app, 1, bad)).rejects.toThrow(/invalid request/);
    }
    expect(shown).toEqual([]);
    expect(grants.allows(1, '/etc/passwd')).toBe(false);
  });

  it('show one dialog per window at a time', async () => {
    let release: (p: string | null) => void = () => {};
    const { dialogs, shown } = standIn(null);
    dialogs.openFolder = (senderId) => (shown.push({ kind: 'folder', senderId }), new Promise((resolve) => (release = resolve)));
    const handlers = createDialogHandlers(dialogs, new PathGrants());
    const first = handlers.choose(app, 5, { kind: 'folder' });
    await expect(handlers.choose(app, 5, { kind: 'folder' })).resolves.toBeNull();
    release('/home/u/A');
    await expect(first).resolves.toBe('/home/u/A');
    expect(shown).toHaveLength(1);
  });

  it('reveal only granted paths, for the app window', async () => {
    const { dialogs, revealed } = standIn(null);
    const grants = new PathGrants();
    grants.grant(2, ['/home/u/Export']);
    const handlers = createDialogHandlers(dialogs, grants);
    await expect(handlers.reveal(app, 2, '/home/u/Export/a.zip')).resolves.toBe(true);
    await expect(handlers.reveal(app, 2, '/home/u/.ssh/id_rsa')).resolves.toBe(false);
    await expect(handlers.reveal(stranger, 2, '/home/u/Export/a.zip')).resolves.toBe(false);
    await expect(handlers.reveal(app, 9, '/home/u/Export/a.zip')).resolves.toBe(false);
    expect(revealed).toEqual(['/home/u/Export/a.zip']);
  });

  it('keep suggested names plain file names', () => {
    expect(safeDefaultName('../../.ssh/config')).toBe('config');
    expect(safeDefaultName('.bashrc')).toBe('bashrc');
    expect(safeDefaultName('Ürünler: yaz\u0000.zip')).toBe('Ürünler_ yaz_.zip');
    expect(safeDefaultName('...')).toBeUndefined();
    expect(safeDefaultName(undefined)).toBeUndefined();
  });

  it('listen on their two channels and remove them', () => {
    const channels = new Set<string>();
    const ipcMain: IpcMainLike = { handle: (c) => void channels.add(c), removeHandler: (c) => void channels.delete(c) };
    const remove = installDialogs(ipcMain, createDialogHandlers(standIn(null).dialogs, new PathGrants()), () => app);
    expect([...channels].sort()).toEqual([CHOOSE_PATH_CHANNEL, REVEAL_PATH_CHANNEL].sort());
    remove();
    expect(channels.size).toBe(0);
  });
});
