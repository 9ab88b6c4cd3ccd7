/**
 * The OS's save and folder dialogs, asked for by the app page. Some paths cannot be
 * dropped (a ZIP that does not exist yet, an empty export folder), so the page asks main
 * to show the dialog; what the user picks there is granted to that window exactly as a
 * dropped path is (path-grants.ts), and a later contract call naming it passes the IPC
 * check. The page never names a path here: it only says what kind of path it wants.
 * Revealing a path in the file manager is allowed only for a path the window was granted.
 * Type-only Electron imports: the decisions are tested under plain Node.
 */
import path from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { chooseRequestSchema, safeDefaultName, type ChooseRequest } from '../../src-shared/native-dialogs.js';
import type { IpcMainLike } from './ipc.js';
import type { PathGrants } from './path-grants.js';
import { isTrustedSender, type SenderFrame } from './security.js';

/** Keep equal to src-preload/preload.ts (a test checks). */
export const CHOOSE_PATH_CHANNEL = 'atolye:choose-path';
export const REVEAL_PATH_CHANNEL = 'atolye:reveal-path';

/** The dialogs as main shows them, modal to the asking window (Electron's `dialog` and `shell`, narrowed). */
export interface NativeDialogs {
  save(senderId: number, options: { defaultPath?: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
  openFolder(senderId: number): Promise<string | null>;
  openFile(senderId: number, options: { filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
  reveal(p: string): void;
  /** Where a save dialog starts (the user's Downloads folder). */
  defaultFolder(): string;
}

export interface DialogHandlers {
  choose(frame: SenderFrame | null, senderId: number, request: unknown): Promise<string | null>;
  reveal(frame: SenderFrame | null, senderId: number, p: unknown): Promise<boolean>;
}

export function createDialogHandlers(
  dialogs: NativeDialogs,
  grants: Pick<PathGrants, 'grant' | 'allows'>,
  { trusted = isTrustedSender, log = (l: string) => console.error(`[dialogs] ${l}`) }: { trusted?: (f: SenderFrame | null) => boolean; log?: (l: string) => void } = {},
): DialogHandlers {
  // One dialog per window at a time: a page (or hostile script in it) cannot stack them.
  const open = new Set<number>();
  return {
    async choose(frame, senderId, raw) {
      if (!trusted(frame)) {
        log(`refused a dialog for ${frame?.url ?? 'a frame that is gone'}`);
        throw new Error('dialogs are shown only for the app window');
      }
      const parsed = chooseRequestSchema.safeParse(raw);
      if (!parsed.success) throw new Error('choosePath: invalid request');
      if (open.has(senderId)) return null;
      open.add(senderId);
      try {
        const chosen = await show(dialogs, senderId, parsed.data);
        if (!chosen || !path.isAbsolute(chosen)) return null;
        grants.grant(senderId, [chosen]);
        return path.resolve(chosen);
      } finally {
        open.delete(senderId);
      }
    },
    async reveal(frame, senderId, p) {
      if (!trusted(frame) || typeof p !== 'string' || !grants.allows(senderId, p)) return false;
      dialogs.reveal(path.resolve(p));
      return true;
    },
  };
}

function show(dialogs: NativeDialogs, senderId: number, request: ChooseRequest): Promise<string | null> {
  switch (request.kind) {
    case 'save': {
      const name = safeDefaultName(request.defaultName);
      return dialogs.save(senderId, { ...(name ? { defaultPath: path.join(dialogs.defaultFolder(), name) } : {}), ...(request.filters ? { filters: request.filters } : {}) });
    }
    case 'folder':
      return dialogs.openFolder(senderId);
    case 'open':
      return dialogs.openFile(senderId, request.filters ? { filters: request.filters } : {});
  }
}

/** Listens on the two dialog channels; returns their removal. */
export function installDialogs(ipcMain: IpcMainLike, handlers: DialogHandlers, senderFrameOf: (event: IpcMainInvokeEvent) => SenderFrame | null): () => void {
  ipcMain.handle(CHOOSE_PATH_CHANNEL, (event, request) => handlers.choose(senderFrameOf(event), event.sender.id, request));
  ipcMain.handle(REVEAL_PATH_CHANNEL, (event, p) => handlers.reveal(senderFrameOf(event), event.sender.id, p));
  return () => {
    ipcMain.removeHandler(CHOOSE_PATH_CHANNEL);
    ipcMain.removeHandler(REVEAL_PATH_CHANNEL);
  };
}
