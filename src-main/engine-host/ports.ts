import type { HostMessage, HostPort } from './protocol.js';

/** A port that can also say when what it sent has left the process (before exiting). */
export interface ProcessPort extends HostPort {
  readonly kind: 'electron-utility' | 'node-ipc';
  flush(): Promise<void>;
  /** Called once if the parent goes away without asking for a shutdown. */
  onParentGone(listener: () => void): void;
}

/** Electron's `process.parentPort` in a utility process, typed here without importing electron. */
interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  off(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/**
 * The port this process was started with: Electron's parentPort when forked by
 * `utilityProcess.fork`, Node's IPC channel when forked by `child_process.fork`.
 */
export function processPort(proc: NodeJS.Process = process): ProcessPort | null {
  const parentPort = (proc as unknown as { parentPort?: ElectronParentPort | null }).parentPort;
  if (parentPort) return electronPort(parentPort);
  if (typeof proc.send === 'function') return nodeIpcPort(proc);
  return null;
}

function electronPort(parentPort: ElectronParentPort): ProcessPort {
  return {
    kind: 'electron-utility',
    postMessage: (message: HostMessage) => parentPort.postMessage(message),
    onMessage(listener) {
      const wrapped = (event: { data: unknown }) => listener(event.data);
      parentPort.on('message', wrapped);
      return () => void parentPort.off('message', wrapped);
    },
    // Mojo sends asynchronously; there is no completion callback, so give it a moment.
    flush: () => new Promise((resolve) => setTimeout(resolve, 100)),
    // Chromium ends a utility process together with its parent; nothing to watch.
    onParentGone: () => {},
  };
}

function nodeIpcPort(proc: NodeJS.Process): ProcessPort {
  let pending = 0;
  let drained: (() => void) | null = null;
  return {
    kind: 'node-ipc',
    postMessage(message: HostMessage) {
      if (!proc.connected) return;
      pending++;
      proc.send!(message, undefined, {}, () => {
        if (--pending === 0 && drained) drained();
      });
    },
    onMessage(listener) {
      proc.on('message', listener);
      return () => void proc.off('message', listener);
    },
    flush: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve))),
    onParentGone(listener) {
      proc.once('disconnect', listener);
    },
  };
}
