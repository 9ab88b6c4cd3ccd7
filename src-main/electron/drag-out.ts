/**
 * Dragging images out of the app onto the desktop or into another program. The OS drag
 * needs real files with real names, and the library stores blobs by sha256 without one,
 * so each dragged image is staged under its file name (a hard link: instant and no extra
 * space; a copy when the temp folder is on another disk) and the drag is started with
 * those files. The page names asset ids only, never paths. Staged folders older than an
 * hour are swept at the next drag (a drop target has long finished reading by then).
 * Type-only Electron imports: tested under plain Node.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { safeDefaultName } from '../../src-shared/native-dialogs.js';
import { isTrustedSender, type SenderFrame } from './security.js';

/** Keep equal to src-preload/preload.ts (a test checks). */
export const START_DRAG_CHANNEL = 'atolye:start-drag';
/** More than anyone drags at once; bounds the work a page can ask for. */
export const MAX_DRAGGED = 500;
const STALE_MS = 60 * 60 * 1000;

export interface DragOutOptions {
  /** An asset's file and the name it should have outside (engine: assets.get + media). */
  lookup(assetId: string): Promise<{ path: string; name: string } | null>;
  /** Where staged copies live (the OS temp folder's atolye-drag). */
  stageDir: string;
  trusted?: (frame: SenderFrame | null) => boolean;
  log?: (line: string) => void;
  now?: () => number;
}

export function createDragOut({ lookup, stageDir, trusted = isTrustedSender, log = (l) => console.error(`[drag] ${l}`), now = Date.now }: DragOutOptions) {
  /** `start` begins the OS drag from the asking window (webContents.startDrag) with the staged files. */
  return async (frame: SenderFrame | null, ids: unknown, start: (files: string[]) => void): Promise<string[]> => {
    if (!trusted(frame)) return [];
    if (!Array.isArray(ids) || ids.length === 0) return [];
    const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)))].slice(0, MAX_DRAGGED);
    await sweep(stageDir, now()).catch(() => {});
    const dir = path.join(stageDir, `${now()}-${randomUUID()}`);
    await fs.mkdir(dir, { recursive: true });
    const used = new Set<string>();
    const files: string[] = [];
    for (const id of wanted) {
      const found = await lookup(id).catch((err: unknown) => (log(`lookup of ${id} failed: ${(err as Error).message}`), null));
      if (!found) continue;
      const target = path.join(dir, uniqueName(used, safeDefaultName(found.name) ?? 'image'));
      try {
        await fs.link(found.path, target).catch(() => fs.copyFile(found.path, target));
        files.push(target);
      } catch (err) {
        log(`could not stage ${id}: ${(err as Error).message}`);
      }
    }
    if (files.length > 0) start(files);
    return files;
  };
}

function uniqueName(used: Set<string>, name: string): string {
  let candidate = name;
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = name.replace(/(\.[^.]+)?$/, (ext) => ` (${n})${ext}`);
  used.add(candidate.toLowerCase());
  return candidate;
}

async function sweep(stageDir: string, at: number): Promise<void> {
  for (const entry of await fs.readdir(stageDir).catch(() => [] as string[])) {
    const started = Number(entry.split('-')[0]);
    if (Number.isFinite(started) && at - started > STALE_MS) await fs.rm(path.join(stageDir, entry), { recursive: true, force: true });
  }
}
