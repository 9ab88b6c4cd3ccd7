/**
 * Turns what the user dropped or chose into files with their path relative to the drop,
 * so a dropped folder keeps its structure and names its project, as it does when the
 * desktop app hands the engine local paths.
 */

export interface PickedFile {
  file: File;
  /** e.g. "Milk bottles/Arla/IMG_001.jpg" */
  relPath: string;
}

/** OS clutter the engine's folder scan also leaves out (src-main/engine/import/scan.ts), so both transports import the same files. */
const IGNORED = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini', '.localized']);

function ignoredFile(name: string): boolean {
  return IGNORED.has(name) || name.startsWith('._');
}

function ignoredDir(name: string): boolean {
  return name.startsWith('.');
}

/**
 * What has to be read from a DataTransfer while its event is being dispatched: after
 * the handler returns, the browser empties it.
 */
export interface DropSnapshot {
  entries: FileSystemEntry[];
  /** Items that give no entry (a DataTransfer built by script) fall back to their File. */
  looseFiles: File[];
  /** All files as the browser lists them (top level only; folders appear as entries). */
  files: File[];
}

export function snapshotDataTransfer(dt: DataTransfer): DropSnapshot {
  const entries: FileSystemEntry[] = [];
  const looseFiles: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) looseFiles.push(file);
    }
  }
  return { entries, looseFiles, files: Array.from(dt.files) };
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function relPathOf(entry: FileSystemEntry): string {
  return entry.fullPath.replace(/^\/+/, '') || entry.name;
}

/**
 * Walks dropped entries depth-first. readEntries() hands out a directory in batches
 * (100 in Chromium) and must be called until it returns none, or big folders get cut.
 */
export async function collectDropped(snapshot: DropSnapshot, onFound: (count: number) => void): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const visit = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      if (ignoredFile(entry.name)) return;
      out.push({ file: await fileOf(entry as FileSystemFileEntry), relPath: relPathOf(entry) });
      if (out.length % 50 === 0) onFound(out.length);
      return;
    }
    if (!entry.isDirectory || ignoredDir(entry.name)) return;
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await readBatch(reader);
      if (batch.length === 0) break;
      // Files of a batch in parallel (one file() round trip each would add up on 10,000); folders one by one.
      await Promise.all(batch.filter((c) => c.isFile).map(visit));
      for (const child of batch) if (child.isDirectory) await visit(child);
    }
  };
  for (const entry of snapshot.entries) await visit(entry);
  for (const file of snapshot.looseFiles) if (!ignoredFile(file.name)) out.push({ file, relPath: file.webkitRelativePath || file.name });
  onFound(out.length);
  return sortByPath(out);
}

/** Files from <input type=file> (webkitdirectory gives each its path inside the chosen folder). */
export function collectChosen(files: readonly File[]): PickedFile[] {
  const out: PickedFile[] = [];
  for (const file of files) {
    const relPath = file.webkitRelativePath || file.name;
    const parts = relPath.split('/');
    if (ignoredFile(parts[parts.length - 1] ?? '')) continue;
    if (parts.slice(1, -1).some(ignoredDir)) continue;
    out.push({ file, relPath });
  }
  return sortByPath(out);
}

/** Code-unit order, the engine's order for scanned folders: the same drop lists the same way in both modes. */
function sortByPath(files: PickedFile[]): PickedFile[] {
  return files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/** The folder a drop came from when it is one folder, for the job's label. */
export function commonFolder(files: readonly PickedFile[]): string | null {
  let folder: string | null = null;
  for (const f of files) {
    const slash = f.relPath.indexOf('/');
    if (slash <= 0) return null;
    const top = f.relPath.slice(0, slash);
    if (folder === null) folder = top;
    else if (folder !== top) return null;
  }
  return folder;
}
