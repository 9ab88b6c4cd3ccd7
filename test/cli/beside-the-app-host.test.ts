import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertiseEndpoint, DataDirLock } from '../../src-main/engine/data-dir-lock.js';
import type { HostMessage } from '../../src-main/engine-host/protocol.js';
import { forkHost, type HostChild } from '../electron/host-harness.js';
import { tempDir } from '../helpers/tmp.js';
import { atolye, closedPort } from './cli-process.js';

describe('the CLI beside the desktop app, or a holder it cannot reach', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it("steers the desktop app's engine host: `atolye queue pause` pauses the app's queue", async () => {
    const lib = path.join(dir, 'app');
    let host: HostChild | null = forkHost(lib);
    try {
      await host.waitFor((m): m is Extract<HostMessage, { type: 'ready' }> => m.type === 'ready', 60_000);
      const deadline = Date.now() + 20_000;
      while (!fs.existsSync(path.join(lib, 'engine.endpoint.json')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const res = await atolye(['--data-dir', lib, 'queue', 'pause']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const stats = await host.request({ type: 'call', method: 'queue.stats', input: {} });
      expect(stats.ok && (stats.result as { paused: boolean }).paused).toBe(true);
      host.send({ type: 'shutdown' });
      await host.exited;
      host = null;
    } finally {
      if (host) host.child.kill('SIGKILL');
    }
  }, 120_000);

  it('says in one line why it cannot reach a holder: no endpoint, an untrusted file, a dead port', async () => {
    const lib = path.join(dir, 'held');
    fs.mkdirSync(lib, { recursive: true });
    // This test process holds the lock, like an app that takes no CLI calls.
    const lock = DataDirLock.acquire(lib);
    try {
      const none = await atolye(['--data-dir', lib, 'queue', 'pause']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/open in another Atölye process \(pid \d+\), and it takes no calls from the command line/);
      expect(none.stderr).not.toMatch(/\n\s+at /);

      const withdraw = advertiseEndpoint(lib, { port: await closedPort(), token: 'x'.repeat(43) });
      const dead = await atolye(['--data-dir', lib, 'projects']);
      expect(dead.code).toBe(1);
      expect(dead.stderr).toMatch(/does not answer at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      expect(dead.stderr).not.toMatch(/\n\s+at /);

      // Readable by others: not trusted, whatever it says.
      fs.chmodSync(path.join(lib, 'engine.endpoint.json'), 0o644);
      const loose = await atolye(['--data-dir', lib, 'projects']);
      expect(loose.stderr).toMatch(/readable by other users, so it is not trusted/);
      withdraw();
      expect(fs.existsSync(path.join(lib, 'engine.endpoint.json'))).toBe(false);
    } finally {
      lock.release();
    }
  }, 60_000);
});
