/**
 * The one IPC entry point. The renderer invokes `atolye:call` with a method name and
 * its input; main checks who is asking, that the method is in the contract, and that
 * the input matches the method's schema, then forwards it to the engine process.
 * Methods the contract keeps from the desktop renderer (`transports` without `ipc`) are
 * refused, and so is any local path (a method's `local` fields) that the user did not
 * choose: the preload reports the paths of files the user dropped or picked on
 * `atolye:paths-chosen` (path-grants.ts), and only those, or paths under them, pass.
 * Events flow back on `atolye:event`. Nothing else is listened to.
 */
import type { IpcMainInvokeEvent } from 'electron';
import { ContractError, describeZodError, isMethodName, methods, type EngineEvent, type ErrorBody } from '../../src-shared/contract/index.js';
import { localFieldsUsed, transportAllows, valuesAt } from '../../src-shared/contract/define.js';
import type { PathGrants } from './path-grants.js';
import { isAppUrl, isTrustedSender, type SenderFrame } from './security.js';

/** Keep equal to src-preload/preload.ts (a test checks). */
export const CALL_CHANNEL = 'atolye:call';
export const EVENT_CHANNEL = 'atolye:event';
/** Keep equal to src-preload/preload.ts: the paths of files the user dropped or picked. */
export const PATHS_CHOSEN_CHANNEL = 'atolye:paths-chosen';

/**
 * What `atolye:call` resolves with. Errors travel as data: an Error thrown through
 * ipcMain.handle reaches the renderer with its message rewritten and its code lost.
 */
export type CallReply = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

export interface IpcHandlerOptions {
  dispatchToEngine: (method: string, input: unknown) => Promise<unknown>;
  isTrustedSender?: (frame: SenderFrame | null) => boolean;
  log?: (line: string) => void;
  /** The paths each window's user chose; without it no call may name a local path. */
  pathGrants?: Pick<PathGrants, 'allows'>;
}

export type IpcCallHandler = (frame: SenderFrame | null, method: unknown, input: unknown, senderId?: number) => Promise<CallReply>;

export function createIpcHandler({ dispatchToEngine, isTrustedSender: trusted = isTrustedSender, log = (l) => console.error(`[ipc] ${l}`), pathGrants }: IpcHandlerOptions): IpcCallHandler {
  return async (frame, method, input, senderId = -1) => {
    if (!trusted(frame)) {
      log(`refused a call from ${frame?.url ?? 'a frame that is gone'}${frame && !frame.isMainFrame ? ' (subframe)' : ''}`);
      return fail('forbidden', 'calls are accepted only from the app window');
    }
    if (!isMethodName(method)) return fail('not_found', `unknown method: ${typeof method === 'string' ? method.slice(0, 100) : typeof method}`);
    const spec = methods[method];
    if (!transportAllows(spec, 'ipc')) return fail('forbidden', `${method} is not available to the app window (the command line offers it)`);
    const value = input ?? {};
    for (const field of localFieldsUsed(spec, value)) {
      const refused = valuesAt(value, field)
        .flat()
        .find((p) => !pathGrants?.allows(senderId, p));
      if (refused !== undefined) {
        log(`refused ${method}: ${field} names a path the user did not choose`);
        return fail('forbidden', `${method}: ${field} must be a file or folder you dropped or picked in this window`);
      }
    }
    const parsed = spec.input.safeParse(value);
    if (!parsed.success) return fail('invalid_input', `${method}: ${describeZodError(parsed.error)}`);
    try {
      // The raw input goes on (the engine validates again and applies defaults): what
      // passed here is exactly what the engine sees.
      return { ok: true, result: await dispatchToEngine(method, value) };
    } catch (err) {
      if (err instanceof ContractError) return { ok: false, error: err.toJSON() };
      log(`${method} failed: ${(err as Error)?.stack ?? String(err)}`);
      return fail('internal', `${method} failed: ${(err as Error)?.message ?? String(err)}`);
    }
  };
}

function fail(code: ErrorBody['code'], message: string): CallReply {
  return { ok: false, error: { code, message } };
}

/** The sender frame of an invoke event, as the pure checks want it. */
export function senderFrameOf(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>): SenderFrame | null {
  const frame = event.senderFrame;
  if (!frame) return null;
  let isMainFrame = false;
  try {
    isMainFrame = frame === event.sender.mainFrame;
  } catch {
    // The page is being torn down.
  }
  return { url: frame.url, isMainFrame };
}

/** The part of `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
  on?(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => void): void;
  removeListener?(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => void): void;
}

/** Installs the single invoke handler (and, with grants, the chosen-paths listener); returns their removal. */
export function installIpc(ipcMain: IpcMainLike, handler: IpcCallHandler, pathGrants?: Pick<PathGrants, 'grant'>): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, method, input) => handler(senderFrameOf(event), method, input, event.sender.id));
  const onChosen = (event: IpcMainInvokeEvent, paths: unknown) => {
    // Only the app window's own top frame reports chosen paths.
    if (isTrustedSender(senderFrameOf(event))) pathGrants?.grant(event.sender.id, paths);
  };
  if (pathGrants) ipcMain.on?.(PATHS_CHOSEN_CHANNEL, onChosen);
  return () => {
    ipcMain.removeHandler(CALL_CHANNEL);
    if (pathGrants) ipcMain.removeListener?.(PATHS_CHOSEN_CHANNEL, onChosen);
  };
}

/** The part of a WebContents used to push events. */
export interface EventTarget {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

/** Pushes an engine event to every live app page (and to nothing else). */
export function broadcastEvent(targets: Iterable<EventTarget>, event: EngineEvent): number {
  let sent = 0;
  for (const target of targets) {
    if (target.isDestroyed() || !isAppUrl(target.getURL())) continue;
    target.send(EVENT_CHANNEL, event);
    sent++;
  }
  return sent;
}
