import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostMessage, HostRequest } from '../../src-main/engine-host/protocol.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const hostEntry = path.join(repoRoot, 'src-main/engine-host/main.ts');
export const fixture = (name: string) => path.join(repoRoot, 'test/electron/fixtures', name);

/** The engine host from sources under plain Node (tsx), talking over Node IPC. */
export function forkHost(dataDir: string, opts: { parentPortShim?: boolean } = {}): HostChild {
  const execArgv = ['--import', 'tsx', ...(opts.parentPortShim ? ['--import', fixture('parent-port-shim.mjs')] : [])];
  const child = fork(hostEntry, [], {
    execArgv,
    env: { ...process.env, ATOLYE_DATA_DIR: dataDir, ATOLYE_WORKERS: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new HostChild(child);
}

/** Collects what a host sends and answers "wait until…" questions about it. */
export class HostChild {
  readonly messages: HostMessage[] = [];
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (m) => {
      this.messages.push(m as HostMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  send(message: HostRequest): void {
    this.child.send(message);
  }

  async waitFor<T extends HostMessage>(predicate: (m: HostMessage) => m is T, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  private nextId = 1;
  /** Sends a request and resolves with its result message. */
  async request(message: { type: 'call'; method: string; input: unknown } | { type: 'media'; assetId: string; variant: string }) {
    const id = this.nextId++;
    this.send({ ...message, id } as HostRequest); // variant stays unchecked on purpose: the host must refuse bad ones
    return this.waitFor((m): m is Extract<HostMessage, { type: 'result' }> => m.type === 'result' && m.id === id);
  }
}
