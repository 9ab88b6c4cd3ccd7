import { describe, expect, it } from 'vitest';
import { ContractError } from '../../src-shared/contract/index.js';
import { ElectronBackend, type AtolyeBridge } from '../../src-renderer/backend/electron-backend.js';
import { errorFromResponse, toContractError } from '../../src-renderer/backend/validate.js';

/** A bridge shaped like src-preload's window.atolye, answering with what the test gives it. */
function bridge(answer: (method: string, input: unknown) => Promise<unknown>, events: unknown[] = []): AtolyeBridge {
  return {
    call: answer,
    subscribe: (listener) => {
      for (const e of events) listener(e);
      return () => undefined;
    },
    mediaUrl: (id, variant) => `atolye-media://${variant}/${id}`,
    pathsForFiles: () => ['/a.jpg', '', '/b.png'],
  };
}

describe('renderer ElectronBackend', () => {
  it('keeps the error code that crossed IPC inside the message, as Electron wraps it', async () => {
    const backend = new ElectronBackend(
      bridge(async () => {
        throw new Error("Error invoking remote method 'atolye:call': Error: [not_found] no project 01a20440-70c8-700c-b808-9b2ffb93c121");
      }),
    );
    await expect(backend.call('projects.get', { id: '01a20440-70c8-700c-b808-9b2ffb93c121' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'no project 01a20440-70c8-700c-b808-9b2ffb93c121',
    });
    expect(toContractError(new Error('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
    expect(toContractError({ code: 'conflict', message: 'x' })).toMatchObject({ code: 'conflict' });
  });

  it('refuses an answer that does not match the contract', async () => {
    const backend = new ElectronBackend(bridge(async () => [{ id: 'not-a-project' }]));
    await expect(backend.call('projects.list', {})).rejects.toThrow(ContractError);
    await expect(backend.call('projects.list', {})).rejects.toThrow(/projects.list answered an unexpected shape/);
  });

  it('passes known, well-formed events and drops unknown or malformed ones', () => {
    const good = { type: 'projects.changed', payload: { projectId: null } };
    const seen: unknown[] = [];
    new ElectronBackend(bridge(async () => null, [good, { type: 'nope', payload: {} }, { type: 'projects.changed', payload: { projectId: 5 } }])).subscribe((e) => seen.push(e));
    expect(seen).toEqual([good]);
  });

  it('maps HTTP statuses to contract codes when the body is not an error body', () => {
    expect(errorFromResponse(401, 'x').code).toBe('unauthorized');
    expect(errorFromResponse(403, null).code).toBe('forbidden');
    expect(errorFromResponse(500, { code: 'not_found', message: 'gone' })).toMatchObject({ code: 'not_found', message: 'gone' });
  });

  it('drops empty paths the bridge could not resolve', () => {
    expect(new ElectronBackend(bridge(async () => null)).pathsForFiles([])).toEqual(['/a.jpg', '/b.png']);
  });
});
