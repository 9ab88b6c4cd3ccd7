/**
 * Near-duplicates measured on real grocery photos seeded with copies: 18 val photos of
 * different products, a re-encoded (JPEG q 55), a half-size and a centre-cropped (80 %)
 * copy of six of them each, and other photos of the same products (not duplicates). Pairs inside the groups found are scored against the seeded
 * pairs: precision and recall are printed, and the copies a hash must catch (re-encoded,
 * resized) must all be caught.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embeddingsFeature } from '../../../src-main/features/embeddings/public.js';
import { useEngine } from '../../support/engine.js';
import { groceryMissing, groceryRoot, sharedEmbedderCache } from './grocery-sample.js';

if (groceryMissing) console.warn(`near-duplicate tests skipped: ${groceryMissing}`);

describe.skipIf(groceryMissing)('near-duplicates on grocery photos with seeded copies', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });

  it('groups re-encoded, resized and cropped copies with their originals', async () => {
    const folder = path.join(fx.dir, 'photos');
    fs.mkdirSync(folder, { recursive: true });
    const val = fs.readFileSync(path.join(groceryRoot, 'val.txt'), 'utf8').split('\n').filter(Boolean);
    // One photo per product, 18 products.
    const rows = val.map((l) => l.split(',').map((x) => x.trim())).map(([file, label]) => ({ file: path.join(groceryRoot, file!), label: label! }));
    const firsts = rows.filter((r, i) => rows.findIndex((x) => x.label === r.label) === i).slice(0, 18);
    const originals = firsts.map((r) => r.file);
    // Other photos of four of the products: not duplicates, but what a loose threshold would group.
    const siblings = rows.filter((r) => firsts.slice(0, 4).some((f) => f.label === r.label && f.file !== r.file)).slice(0, 8);
    for (const [i, r] of siblings.entries()) fs.copyFileSync(r.file, path.join(folder, `sibling-${i}.jpg`));
    const kinds = ['reencoded', 'resized', 'cropped'] as const;
    const truth = new Map<string, string>();
    for (const [i, src] of originals.entries()) {
      const name = `orig-${String(i).padStart(2, '0')}.jpg`;
      fs.copyFileSync(src, path.join(folder, name));
      const kind = kinds[Math.floor(i / 6)]!;
      const copy = `copy-${kind}-${String(i).padStart(2, '0')}.jpg`;
      const img = sharp(src).rotate();
      const meta = await sharp(src).rotate().toBuffer({ resolveWithObject: true });
      const { width, height } = meta.info;
      if (kind === 'reencoded') await img.jpeg({ quality: 55 }).toFile(path.join(folder, copy));
      else if (kind === 'resized') await img.resize(Math.round(width / 2)).jpeg({ quality: 85 }).toFile(path.join(folder, copy));
      else await img.extract({ left: Math.round(width * 0.1), top: Math.round(height * 0.1), width: Math.round(width * 0.8), height: Math.round(height * 0.8) }).jpeg({ quality: 85 }).toFile(path.join(folder, copy));
      truth.set(copy, name);
    }
    const { projectId } = await fx.importPaths(folder, 'seeded');
    const api = fx.engine.use(embeddingsFeature);
    const first = await api.findDuplicates(projectId, {});
    expect(first.state).toBe('indexing');
    expect((await fx.engine.queue.waitFor(first.jobId!)).state).toBe('completed');
    const { state, groups } = await api.findDuplicates(projectId, {});
    expect(state).toBe('ready');

    const pairs = new Set<string>();
    for (const g of groups) {
      const names = [g.keep, ...g.others].map((m) => m.fileName).sort();
      for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.add(`${names[i]}|${names[j]}`);
    }
    const truePairs = [...truth].map(([copy, orig]) => [copy, orig].sort().join('|'));
    const found = truePairs.filter((p) => pairs.has(p));
    const precision = pairs.size ? found.length / pairs.size : 0;
    const recall = found.length / truePairs.length;
    const byKind = kinds.map((k) => `${k} ${truePairs.filter((p) => p.includes(`copy-${k}`) && pairs.has(p)).length}/6`).join(', ');
    console.log(`near-duplicates (similarity 0.95, hash distance 8; 18 originals, 18 copies, ${siblings.length} other photos of 4 of the products): ${groups.length} groups, pair precision ${(100 * precision).toFixed(1)} %, recall ${(100 * recall).toFixed(1)} % (${byKind})`);

    for (const k of ['reencoded', 'resized'] as const) expect(truePairs.filter((p) => p.includes(`copy-${k}`)).every((p) => pairs.has(p)), k).toBe(true);
    expect(precision).toBeGreaterThanOrEqual(0.8);
    // The original is kept (it has more pixels than its resized and cropped copies).
    for (const g of groups) if (g.others.some((o) => o.fileName.startsWith('copy-resized') || o.fileName.startsWith('copy-cropped'))) expect(g.keep.fileName).toMatch(/^orig-/);
  }, 240_000);
});
