/**
 * The one IPC entry point. The renderer invokes `atolye:call` with a method name and
 * its input; main checks who is asking, that the method is in the contract, and that
 * the input matches the method's schema, then forwards it to the engine process.
 * Events flow back on `atolye:event`. Nothing else is listened to.
 */
import type { IpcMainInvokeEvent } from 'electron';
import { ContractError, describeZodError, isMethodName, methods, type EngineEvent, type ErrorBody } from '../../src-shared/contract/index.js';
import { isAppUrl, isTrustedSender, type SenderFrame } from './security.js';

/** Keep equal to src-preload/preload.ts (a test checks). */
export const CALL_CHANNEL = 'atolye:call';
export const EVENT_CHANNEL = 'atolye:event';

/**
 * What `atolye:call` resolves with. Errors travel as data: an Error thrown through
 * ipcMain.handle reaches the renderer with its message rewritten and its code lost.
 */
export type CallReply = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

export interface IpcHandlerOptions {
  dispatchToEngine: (method: string, input: unknown) => Promise<unknown>;
  isTrustedSender?: (frame: SenderFrame | null) => boolean;
  log?: (line: string) => void;
}

export type IpcCallHandler = (frame: SenderFrame | null, method: unknown, input: unknown) => Promise<CallReply>;

export function createIpcHandler({ dispatchToEngine, isTrustedSender: trusted = isTrustedSender, log = (l) => console.error(`[ipc] ${l}`) }: IpcHandlerOptions): IpcCallHandler {
  return async (frame, method, input) => {
    if (!trusted(frame)) {
      log(`refused a call from ${frame?.url ?? 'a frame that is gone'}${frame && !frame.isMainFrame ? ' (subframe)' : ''}`);
      return fail('forbidden', 'calls are accepted only from the app window');
    }
    if (!isMethodName(method)) return fail('not_found', `unknown method: ${typeof method === 'string' ? method.slice(0, 100) : typeof method}`);
    const value = input ?? {};
    const parsed = methods[method].input.safeParse(value);
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
}

/** Installs the single invoke handler; returns its removal. */
export function installIpc(ipcMain: IpcMainLike, handler: IpcCallHandler): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, method, input) => handler(senderFrameOf(event), method, input));
  return () => ipcMain.removeHandler(CALL_CHANNEL);
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
