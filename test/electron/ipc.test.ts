import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDispatcher } from '../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { broadcastEvent, CALL_CHANNEL, createIpcHandler, EVENT_CHANNEL, installIpc, senderFrameOf } from '../../src-main/electron/ipc.js';
import { ContractError, methods } from '../../src-shared/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

const app = { url: 'atolye://app/index.html', isMainFrame: true };

describe('the IPC entry point', () => {
  it('refuses untrusted senders before anything reaches the engine', async () => {
    const dispatchToEngine = vi.fn(async () => 'reached');
    const handle = createIpcHandler({ dispatchToEngine, log: () => {} });
    for (const frame of [
      null,
      { url: 'https://example.com/', isMainFrame: true },
      { url: 'file:///tmp/x.html', isMainFrame: true },
      { url: 'atolye://app/index.html', isMainFrame: false },
      { url: null, isMainFrame: true },
    ]) {
      expect(await handle(frame, 'projects.list', {})).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    }
    expect(dispatchToEngine).not.toHaveBeenCalled();
  });

  it('takes its allow-list from the contract: every contract method passes, nothing else does', async () => {
    const seen: string[] = [];
    // Each method is called with an input its schema refuses, except that the check
    // under test is the name: names outside the contract must be `not_found`, names in
    // it must get past the name check (to input validation or the engine).
    const handle = createIpcHandler({ dispatchToEngine: async (m) => void seen.push(m), log: () => {} });
    for (const name of Object.keys(methods)) {
      const reply = await handle(app, name, { definitelyNotAField: 1 });
      expect(reply.ok || reply.error.code !== 'not_found', name).toBe(true);
    }
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'shutdown', 'media', 'engine.close', '', 'projects.list ', 42, null, { method: 'projects.list' }]) {
      const reply = await handle(app, name, {});
      expect(reply, String(name)).toEqual({ ok: false, error: { code: 'not_found', message: expect.any(String) } });
    }
    expect(seen.every((m) => m in methods)).toBe(true);
  });

  it('validates input with the method schema before forwarding', async () => {
    const dispatchToEngine = vi.fn(async () => ({}));
    const handle = createIpcHandler({ dispatchToEngine, log: () => {} });
    expect(await handle(app, 'projects.rename', { id: 'not-a-uuid', name: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('projects.rename') } });
    expect(await handle(app, 'projects.list', { extra: true })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await handle(app, 'import.start', { paths: [] })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await handle(app, 'import.start', 'not an object')).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(dispatchToEngine).not.toHaveBeenCalled();
    await handle(app, 'projects.list', undefined);
    expect(dispatchToEngine).toHaveBeenCalledWith('projects.list', {});
  });

  it('carries contract error codes, and turns anything else into internal', async () => {
    const failing = createIpcHandler({ dispatchToEngine: async () => Promise.reject(new ContractError('not_found', 'no project x')), log: () => {} });
    expect(await failing(app, 'projects.list', {})).toEqual({ ok: false, error: { code: 'not_found', message: 'no project x' } });
    const crashing = createIpcHandler({ dispatchToEngine: async () => Promise.reject(new TypeError('boom')), log: () => {} });
    expect(await crashing(app, 'projects.list', {})).toEqual({ ok: false, error: { code: 'internal', message: 'projects.list failed: boom' } });
  });

  describe('with the real engine behind it', () => {
    let engine: Engine;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const t = await tempDir('atolye-ipc-');
      cleanup = t.cleanup;
      engine = await openEngine({ dataDir: path.join(t.dir, 'data'), workers: 1 });
    });
    afterAll(async () => {
      await engine.close();
      await cleanup();
    });

    it('answers a call end to end', async () => {
      const handle = createIpcHandler({ dispatchToEngine: createDispatcher(engine), log: () => {} });
      expect(await handle(app, 'engine.info', {})).toMatchObject({ ok: true, result: { dataDir: engine.dataDir } });
      expect(await handle(app, 'projects.get', { id: '0190e0e0-0000-7000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    });
  });
});

describe('installing it', () => {
  it('registers exactly one invoke channel and reads the sender frame', async () => {
    const handlers = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    const ipcMain = { handle: vi.fn((c: string, l: never) => handlers.set(c, l)), removeHandler: vi.fn((c: string) => handlers.delete(c)) };
    const calls: unknown[] = [];
    const remove = installIpc(ipcMain, async (frame, method, input) => {
      calls.push({ frame, method, input });
      return { ok: true, result: null };
    });
    expect([...handlers.keys()]).toEqual([CALL_CHANNEL]);

    const mainFrame = { url: 'atolye://app/index.html' };
    await handlers.get(CALL_CHANNEL)!({ senderFrame: mainFrame, sender: { mainFrame } }, 'engine.info', {});
    const child = { url: 'atolye://app/index.html' };
    await handlers.get(CALL_CHANNEL)!({ senderFrame: child, sender: { mainFrame } }, 'engine.info', {});
    await handlers.get(CALL_CHANNEL)!({ senderFrame: null, sender: { mainFrame } }, 'engine.info', {});
    expect(calls).toEqual([
      { frame: { url: 'atolye://app/index.html', isMainFrame: true }, method: 'engine.info', input: {} },
      { frame: { url: 'atolye://app/index.html', isMainFrame: false }, method: 'engine.info', input: {} },
      { frame: null, method: 'engine.info', input: {} },
    ]);
    remove();
    expect(handlers.size).toBe(0);
  });

  it('treats a torn-down page as not the main frame', () => {
    const frame = { url: 'atolye://app/index.html' };
    const sender = {
      get mainFrame(): never {
        throw new Error('Render frame was disposed');
      },
    };
    expect(senderFrameOf({ senderFrame: frame, sender } as never)).toEqual({ url: frame.url, isMainFrame: false });
  });
});

describe('event forwarding', () => {
  it('sends engine events to live app pages only', () => {
    const page = (url: string, destroyed = false) => ({ url, destroyed, sent: [] as unknown[][], isDestroyed: () => destroyed, getURL: () => url, send: (..._a: unknown[]) => void 0 });
    const targets = [page('atolye://app/index.html'), page('https://example.com/'), page('atolye://app/index.html', true), page('devtools://devtools/')];
    for (const t of targets) t.send = (...a: unknown[]) => void t.sent.push(a);
    const event = { type: 'projects.changed', payload: { projectId: null } } as const;
    expect(broadcastEvent(targets, event)).toBe(1);
    expect(targets[0]!.sent).toEqual([[EVENT_CHANNEL, event]]);
    expect(targets.slice(1).every((t) => t.sent.length === 0)).toBe(true);
  });
});
