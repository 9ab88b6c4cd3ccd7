import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';

describe('settings in the library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('starts at the defaults, keeps a change across a restart, tells every window, and refuses a value it does not know', async () => {
    const dataDir = path.join(dir, 'lib');
    const engine = await openEngine({ dataDir, workers: 1 });
    const call = createDispatcher(engine);
    const events: EngineEvent[] = [];
    engine.events.subscribe((e) => events.push(e));
    try {
      expect(await call('settings.get', {})).toEqual({ language: 'auto', theme: 'system' });
      expect(await call('settings.set', { language: 'tr' })).toEqual({ language: 'tr', theme: 'system' });
      expect(await call('settings.set', { theme: 'dark' })).toEqual({ language: 'tr', theme: 'dark' });
      expect(events.filter((e) => e.type === 'settings.changed').map((e) => e.payload)).toEqual([
        { language: 'tr', theme: 'system' },
        { language: 'tr', theme: 'dark' },
      ]);
      // The same again changes nothing and says nothing.
      await call('settings.set', { theme: 'dark' });
      expect(events.filter((e) => e.type === 'settings.changed')).toHaveLength(2);
      await expect(call('settings.set', { language: 'fr' })).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(call('settings.set', { fontSize: 12 })).rejects.toMatchObject({ code: 'invalid_input' });
    } finally {
      await engine.close();
    }
    const reopened = await openEngine({ dataDir, workers: 1 });
    try {
      expect(await createDispatcher(reopened)('settings.get', {})).toEqual({ language: 'tr', theme: 'dark' });
    } finally {
      await reopened.close();
    }
  });
});
