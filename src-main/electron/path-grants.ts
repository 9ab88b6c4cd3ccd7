/**
 * Local paths the desktop renderer may name in a call. A path reaches main only through
 * the preload's `pathsForFiles()`, which reads it from a File the user dropped or picked
 * (Electron's webUtils: a File made by page script has no path), so a page that runs
 * hostile script can name no other file or folder on this machine. Grants are kept per
 * window and bounded; a path is allowed as given or anywhere under a granted folder.
 */
import path from 'node:path';

const MAX_PER_SENDER = 50_000;

export class PathGrants {
  private readonly bySender = new Map<number, Set<string>>();

  /** Records paths the preload read from user-chosen files of the window `senderId`. */
  grant(senderId: number, paths: unknown): number {
    if (!Array.isArray(paths)) return 0;
    let set = this.bySender.get(senderId);
    if (!set) this.bySender.set(senderId, (set = new Set()));
    let added = 0;
    for (const p of paths) {
      if (typeof p !== 'string' || p.length === 0 || p.length > 4096 || p.includes('\0') || !path.isAbsolute(p)) continue;
      // Oldest first out: a window that has seen more drops than this keeps the newest.
      if (set.size >= MAX_PER_SENDER) set.delete(set.values().next().value as string);
      set.add(path.resolve(p));
      added++;
    }
    return added;
  }

  /** Whether `p` is a granted path of that window, or inside a granted folder. */
  allows(senderId: number, p: unknown): boolean {
    if (typeof p !== 'string' || p.length === 0 || p.includes('\0') || !path.isAbsolute(p)) return false;
    const set = this.bySender.get(senderId);
    if (!set) return false;
    const wanted = path.resolve(p);
    for (let at = wanted; ; at = path.dirname(at)) {
      if (set.has(at)) return true;
      if (path.dirname(at) === at) return false;
    }
  }

  /** Drops a closed window's grants. */
  forget(senderId: number): void {
    this.bySender.delete(senderId);
  }
}
