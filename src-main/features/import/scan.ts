import fs from 'node:fs/promises';
import path from 'node:path';

export interface ScannedFile {
  /** Absolute path to read. */
  path: string;
  /** Path shown to the user and kept in the library, relative to the dropped folder. */
  relPath: string;
}

/** OS clutter that is never a user's image and is not worth a "skipped" line. */
const IGNORED = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini', '.localized']);

/**
 * Expands dropped paths into files, recursively, sorted so imports are deterministic.
 * Every file is returned whatever its extension: whether it is an image is decided by
 * decoding it, not by its name.
 */
export async function scanPaths(paths: readonly string[]): Promise<{ files: ScannedFile[]; missing: string[] }> {
  const files: ScannedFile[] = [];
  const missing: string[] = [];
  for (const input of paths) {
    const abs = path.resolve(input);
    let stat;
    try {
      stat = await fs.stat(abs);
    } catch {
      missing.push(input);
      continue;
    }
    if (stat.isDirectory()) await walk(abs, '', files);
    else if (stat.isFile()) files.push({ path: abs, relPath: path.basename(abs) });
  }
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files, missing };
}

async function walk(dir: string, rel: string, out: ScannedFile[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (IGNORED.has(e.name) || e.name.startsWith('._')) continue;
    const abs = path.join(dir, e.name);
    const relPath = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!e.name.startsWith('.')) await walk(abs, relPath, out);
    } else if (e.isFile()) out.push({ path: abs, relPath });
  }
}

/** The name a new project gets: the dropped folder's, or the common parent folder of dropped files. */
export async function projectNameFor(paths: readonly string[], now = new Date()): Promise<string> {
  if (paths.length === 1) {
    const abs = path.resolve(paths[0]!);
    try {
      if ((await fs.stat(abs)).isDirectory()) return path.basename(abs) || abs;
    } catch {
      /* fall through */
    }
    const parent = path.basename(path.dirname(abs));
    if (parent) return parent;
  }
  const parents = new Set(paths.map((p) => path.dirname(path.resolve(p))));
  if (parents.size === 1) {
    const only = path.basename([...parents][0]!);
    if (only) return only;
  }
  return `Import ${now.toISOString().slice(0, 16).replace('T', ' ')}`;
}
