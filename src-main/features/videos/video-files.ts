/**
 * Which files are videos, and the barcode a file's name carries. ffmpeg decides what it
 * can decode when the video is processed; the extension list only chooses what a dropped
 * folder or the watched folder picks up (a file named by hand is always tried).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gtinCheckDigitValid } from '../products/public.js';

export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['.mp4', '.m4v', '.mov', '.qt', '.webm', '.mkv', '.avi', '.wmv', '.mpg', '.mpeg', '.mts', '.m2ts', '.ts', '.3gp', '.flv', '.ogv']);

export function looksLikeVideo(file: string): boolean {
  return VIDEO_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/**
 * The barcode in a file's name: the name itself (`8690504012345.mp4`) or its leading run of
 * digits before a separator (`8690504012345_front.mov`, `8690504012345 (2).mp4`), when it is
 * a GTIN (8, 12, 13 or 14 digits) whose check digit is right. Anything else is no barcode:
 * a date or a counter in a phone's file name must not invent a product.
 */
export function barcodeFromName(fileName: string): string | null {
  const stem = path.basename(fileName).replace(/\.[^.]+$/, '');
  const m = /^(\d{8,14})(?:$|[\s_\-.(])/.exec(stem);
  if (!m) return null;
  return gtinCheckDigitValid(m[1]!) ? m[1]! : null;
}

/**
 * The video files a path stands for: a file itself, or the files with a video extension
 * in a folder and below (hidden entries skipped), in name order.
 */
export async function expandVideoPaths(input: string): Promise<string[]> {
  const st = await fs.stat(input);
  if (!st.isDirectory()) return [input];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && looksLikeVideo(e.name)) out.push(full);
    }
  };
  await walk(input);
  return out;
}
