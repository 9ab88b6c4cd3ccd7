import fs from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { cleanText, clipText } from '../../../src-shared/contract/index.js';

export interface ScannedFile {
  /** Absolute path to read. */
  path: string;
  /** Path shown to the user and kept in the library, relative to the dropped folder (control characters dropped). */
  relPath: string;
}

/** Something under a dropped folder that is not imported, and why (listed with the import's skipped files). */
export interface SkippedEntry {
  relPath: string;
  reason: string;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedEntry[];
  /** Dropped paths that do not exist. */
  missing: string[];
}

/** OS clutter that is never a user's image and is not worth a "skipped" line. */
const IGNORED = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini', '.localized']);
/** Deeper than this is a loop the inode check could not see (a network file system) or not a photo folder. */
const MAX_DEPTH = 64;
/**
 * Files and folders one scan looks at, at most. Links are followed, so a dropped folder
 * holding a link to `/` or a home folder would otherwise walk the whole disk; the
 * largest photo libraries are well under this.
 */
export const MAX_SCAN_ENTRIES = 500_000;

/** One scan's shared state: what it found, the folders it walked, and how many more entries it may look at. */
interface Walk {
  out: ScanResult;
  seen: Set<string>;
  left: number;
  readonly maxEntries: number;
}

/**
 * Expands dropped paths into files, recursively, sorted so imports are deterministic.
 * Every regular file is returned whatever its extension: whether it is an image is decided
 * by decoding it, not by its name. Nothing under a folder can fail the whole scan: an
 * unreadable folder, a broken or looping symbolic link, a named pipe or a device is
 * skipped with its reason and the rest is imported. Symbolic links are followed (a folder
 * of links to photos imports the photos), each folder at most once.
 */
export async function scanPaths(paths: readonly string[], { maxEntries = MAX_SCAN_ENTRIES }: { maxEntries?: number } = {}): Promise<ScanResult> {
  const out: ScanResult = { files: [], skipped: [], missing: [] };
  const w: Walk = { out, seen: new Set<string>(), left: maxEntries, maxEntries };
  for (const input of paths) {
    const abs = path.resolve(input);
    const name = cleanText(path.basename(abs)) || abs;
    if (!spend(w, name)) break;
    let stat: Stats;
    try {
      stat = await fs.stat(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await isLink(abs))) out.missing.push(input);
      else out.skipped.push({ relPath: name, reason: fsReason(err, 'file') });
      continue;
    }
    if (stat.isDirectory()) await walk(w, abs, '', stat, 0, 'given');
    else if (stat.isFile()) out.files.push({ path: abs, relPath: name });
    else out.skipped.push({ relPath: name, reason: specialReason(stat) });
  }
  const byRel = (a: { relPath: string }, b: { relPath: string }) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0);
  out.files.sort(byRel);
  out.skipped.sort(byRel);
  return out;
}

/**
 * How a folder was reached: `given` (dropped or chosen, or a real subfolder of one: such a
 * folder is met twice only when it was given too) or through a symbolic link.
 */
type Reached = 'given' | 'link';

/** Why a folder already walked is not walked again, in words that match how it was met twice. */
const REACHED_TWICE: Record<Reached, string> = {
  given: 'a folder given twice, or inside another folder given; its files are imported once',
  link: 'a folder reached twice (a symbolic link loop); its files are imported once',
};

/** Takes one entry from the scan's allowance; the first time there is none left, says where the scan stopped. */
function spend(w: Walk, relPath: string): boolean {
  if (w.left > 0) {
    w.left--;
    return true;
  }
  if (w.left === 0) {
    w.out.skipped.push({ relPath, reason: `the scan stopped after ${w.maxEntries} files and folders; import the rest in smaller parts` });
    w.left = -1;
  }
  return false;
}

async function walk(w: Walk, dir: string, rel: string, stat: Stats, depth: number, reached: Reached): Promise<void> {
  const { out, seen } = w;
  const key = `${stat.dev}:${stat.ino}`;
  if (seen.has(key)) {
    out.skipped.push({ relPath: rel || path.basename(dir), reason: REACHED_TWICE[reached] });
    return;
  }
  seen.add(key);
  if (depth > MAX_DEPTH) {
    out.skipped.push({ relPath: rel, reason: `folders nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    out.skipped.push({ relPath: rel || path.basename(dir), reason: fsReason(err, 'folder') });
    return;
  }
  for (const e of entries) {
    if (IGNORED.has(e.name) || e.name.startsWith('._')) continue;
    const abs = path.join(dir, e.name);
    const name = cleanText(e.name) || 'unnamed';
    const relPath = rel ? `${rel}/${name}` : name;
    if (!spend(w, relPath)) return;
    if (e.isDirectory()) {
      if (e.name.startsWith('.')) continue;
      const s = await fs.stat(abs).catch((err: unknown) => err);
      if (s instanceof Error) out.skipped.push({ relPath, reason: fsReason(s, 'folder') });
      else await walk(w, abs, relPath, s as Stats, depth + 1, 'given');
    } else if (e.isFile()) {
      out.files.push({ path: abs, relPath });
    } else if (e.isSymbolicLink()) {
      let target: Stats;
      try {
        target = await fs.stat(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        out.skipped.push({ relPath, reason: code === 'ENOENT' ? 'broken symbolic link (its target is missing)' : code === 'ELOOP' ? 'symbolic link loop' : fsReason(err, 'file') });
        continue;
      }
      if (target.isDirectory()) await walk(w, abs, relPath, target, depth + 1, 'link');
      else if (target.isFile()) out.files.push({ path: abs, relPath });
      else out.skipped.push({ relPath, reason: specialReason(target) });
    } else {
      const s = await fs.lstat(abs).catch(() => null);
      out.skipped.push({ relPath, reason: s ? specialReason(s) : 'not a regular file' });
    }
  }
}

async function isLink(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
}

function specialReason(s: Stats): string {
  const kind = s.isFIFO() ? 'a named pipe' : s.isSocket() ? 'a socket' : s.isCharacterDevice() || s.isBlockDevice() ? 'a device' : 'not a regular file';
  return `not a file to import (${kind})`;
}

/** Why a file or folder could not be read, in words. */
export function fsReason(err: unknown, what: 'file' | 'folder'): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `cannot read this ${what}: permission denied`;
    case 'ENOENT':
      return `the ${what} disappeared while it was being read`;
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENAMETOOLONG':
      return 'its path is too long';
    case 'EIO':
      return `cannot read this ${what}: input/output error (a failing disk?)`;
    default:
      return `cannot read this ${what}: ${(err as Error).message}`;
  }
}

/** The name a new project gets: the dropped folder's, or the common parent folder of dropped files. */
export async function projectNameFor(paths: readonly string[], now = new Date()): Promise<string> {
  const fallback = `Import ${now.toISOString().slice(0, 16).replace('T', ' ')}`;
  const clean = (name: string) => clipText(cleanText(name).trim(), 200).trim() || fallback;
  if (paths.length === 1) {
    const abs = path.resolve(paths[0]!);
    try {
      if ((await fs.stat(abs)).isDirectory()) return clean(path.basename(abs) || abs);
    } catch {
      /* fall through */
    }
    const parent = path.basename(path.dirname(abs));
    if (parent) return clean(parent);
  }
  const parents = new Set(paths.map((p) => path.dirname(path.resolve(p))));
  if (parents.size === 1) {
    const only = path.basename([...parents][0]!);
    if (only) return clean(only);
  }
  return fallback;
}
