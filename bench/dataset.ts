import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src-main/engine/package-root.js';

export const groceryDir = path.resolve(packageRoot, '..', 'shared', 'datasets', 'grocery-store');

/** The first `count` train images in the order of train.txt, or exits with a clear reason. */
export async function groceryTrainImages(count: number): Promise<string[]> {
  let list: string;
  try {
    list = await fs.readFile(path.join(groceryDir, 'train.txt'), 'utf8');
  } catch {
    console.error(`skipped: the grocery-store dataset is not at ${groceryDir} (it lives in ../shared beside the repo)`);
    process.exit(0);
  }
  const files = list
    .split('\n')
    .map((l) => l.split(',')[0]!.trim())
    .filter(Boolean)
    .slice(0, count)
    .map((rel) => path.join(groceryDir, rel));
  if (files.length < count) throw new Error(`train.txt lists only ${files.length} images, need ${count}`);
  return files;
}

export function machine(): string {
  return `${process.platform}-${process.arch}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}
