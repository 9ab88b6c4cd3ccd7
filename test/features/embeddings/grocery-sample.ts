/**
 * A few real grocery-store photos for the embeddings and matching tests, copied into a
 * test's folder (never written in ../shared). `missing` says why the tests skip.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const groceryRoot = path.resolve(here, '../../../../shared/datasets/grocery-store');
export const groceryMissing = fs.existsSync(path.join(groceryRoot, 'train.txt')) ? null : `${groceryRoot} is absent (the grocery-store photos live in ../shared beside the checkout)`;

/** Where the offline embedder is built once for every test run (git-ignored). */
export const sharedEmbedderCache = path.resolve(here, '../../../.scratch/embedder-cache');

/** `n` photos of a class from a split, as paths in the dataset. */
export function classPhotos(split: 'train' | 'val', className: string, n: number): string[] {
  const lines = fs.readFileSync(path.join(groceryRoot, `${split}.txt`), 'utf8').split('\n');
  const files = lines.map((l) => l.split(',')[0]!.trim()).filter((p) => p.split('/').at(-2) === className);
  if (files.length < n) throw new Error(`${split} has ${files.length} photos of ${className}, wanted ${n}`);
  return files.slice(0, n).map((p) => path.join(groceryRoot, p));
}

export function iconic(className: string): string {
  const line = fs.readFileSync(path.join(groceryRoot, 'classes.csv'), 'utf8').split('\n').find((l) => l.startsWith(`${className},`));
  if (!line) throw new Error(`no class ${className}`);
  return path.join(groceryRoot, line.split(',')[4]!.replace(/^\//, ''));
}

/** Copies files into `dir` (named `<prefix><i>.jpg`) and returns the copies. */
export async function copyInto(dir: string, files: string[], prefix: string): Promise<string[]> {
  await fsp.mkdir(dir, { recursive: true });
  return Promise.all(
    files.map(async (f, i) => {
      const dest = path.join(dir, `${prefix}${String(i).padStart(2, '0')}${path.extname(f)}`);
      await fsp.copyFile(f, dest);
      return dest;
    }),
  );
}
