import os from 'node:os';
import type { BootStore } from './boots.js';

/** What became of the boot that holds a running job's lease. */
export type OwnerVerdict = 'alive' | 'clean' | 'crashed';

/**
 * A boot is alive when its process still runs on this machine (another engine on the
 * same library, such as the CLI next to the desktop app): its jobs are left to it.
 * A boot that recorded a clean shutdown did not crash, so its jobs are requeued without
 * counting a crash. Anything else died while running them.
 */
export function ownerVerdict(boots: BootStore, owner: string | null, selfBootId: string): OwnerVerdict {
  if (!owner || owner === selfBootId) return 'crashed';
  const boot = boots.byId(owner);
  if (!boot) return 'crashed';
  if (boot.clean) return 'clean';
  // The same pid as ours is a reused pid of a dead boot (or a second engine in this process, as tests make).
  if (boot.stopped_at == null && boot.pid != null && boot.pid !== process.pid && boot.host === os.hostname() && processAlive(boot.pid)) return 'alive';
  return 'crashed';
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
