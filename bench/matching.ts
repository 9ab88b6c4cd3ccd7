/**
 * bench:matching — matching quality on the grocery-store set treated as products: each of
 * the 81 classes is a product whose frames are its iconic (catalog) image and its first 3
 * train photos; the pool is a project of the 296 val photos. For every product the
 * matching feature ranks the pool (the engine's own path: extraction job, vector index,
 * frames embedded on demand, exact rescoring) and we count, at the default threshold 0.70:
 *   precision = offered photos of the product's class / photos offered,
 *   recall    = offered photos of its class / its val photos,
 * summed over products (micro-average). Every way of combining a candidate's similarities
 * to the frames is measured on the same vectors: `contrast` (the default: cosine to the
 * frames' centroid minus 3× its shortfall behind the best other product's centroid), the
 * best frame (`max`, the earlier default, the "before" figure) and the mean. The floor is
 * chance: the share of pool photos that are of the product's class.
 * A threshold sweep shows where precision and recall trade. Prints a summary, then one
 * JSON line (the last line) for docs/benchmarks.md.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MATCH_THRESHOLD, FrameCombine } from '../src-shared/contract/index.js';
import { packageRoot } from '../src-main/engine/package-root.js';
import { embeddingsFeature } from '../src-main/features/embeddings/public.js';
import { openEngine } from '../src-main/features/index.js';
import { importFeature } from '../src-main/features/import/public.js';
import { matchingFeature } from '../src-main/features/matching/public.js';
import { productsFeature } from '../src-main/features/products/public.js';
import { groceryDir, machine } from './dataset.js';

const log = (line: string) => console.log(line);
const FRAMES_FROM_TRAIN = 3;
const SWEEP = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85];
const MODES = FrameCombine.options;
type Mode = (typeof MODES)[number];

interface Line {
  file: string;
  label: number;
}

async function readList(name: string): Promise<Line[]> {
  const text = await fs.readFile(path.join(groceryDir, name), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [file, fine] = l.split(',').map((s) => s.trim());
      return { file: path.join(groceryDir, file!), label: Number(fine) };
    });
}

async function main(): Promise<void> {
  if (!(await fs.stat(path.join(groceryDir, 'val.txt')).catch(() => null))) {
    console.error(`skipped: the grocery-store dataset is not at ${groceryDir} (it lives in ../shared beside the repo)`);
    process.exit(0);
  }
  const started = Date.now();
  const val = await readList('val.txt');
  const train = await readList('train.txt');
  const classes = (await fs.readFile(path.join(groceryDir, 'classes.csv'), 'utf8'))
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const c = l.split(',');
      return { name: c[0]!, label: Number(c[1]), iconic: path.join(groceryDir, c[4]!.replace(/^\//, '')) };
    });

  const work = path.join(packageRoot, '.bench', `matching-${process.pid}`);
  await fs.rm(work, { recursive: true, force: true });
  const engine = await openEngine({ dataDir: path.join(work, 'data'), settings: { embeddings: { modelCacheDir: path.join(packageRoot, '.scratch', 'embedder-cache') } } });
  try {
    // The pool: the val photos as one project (labels by content, as the library stores them).
    const labelBySha = new Map<string, number>();
    for (const v of val) labelBySha.set(createHash('sha256').update(await fs.readFile(v.file)).digest('hex'), v.label);
    const imports = engine.use(importFeature);
    const t0 = Date.now();
    const imported = await imports.wait((await imports.start({ paths: [path.join(groceryDir, 'val')], projectName: 'shelf' })).importId);
    const importS = (Date.now() - t0) / 1000;
    const projectId = imported.projectId;

    // Products with their frames.
    const { catalog } = engine.use(productsFeature);
    const products: { id: string; label: number; name: string }[] = [];
    const t1 = Date.now();
    for (const c of classes) {
      const p = catalog.create({ brandName: 'grocery', productName: c.name, status: 'needs_matching' });
      const files = [c.iconic, ...train.filter((t) => t.label === c.label).slice(0, FRAMES_FROM_TRAIN).map((t) => t.file)];
      const images = [];
      for (const [i, f] of files.entries()) {
        const r = await engine.images.ingest(f);
        if (!r.ok) throw new Error(`${f}: ${r.reason}`);
        images.push({ type: 'synthetic' as const, sha256: r.sha256, format: r.format, width: r.width, height: r.height, bytes: r.bytes, thumbSha256: r.thumb.sha256, source: { kind: 'file' as const, id: null }, frameIndex: i });
      }
      catalog.addImages(p.id, images, { primaryIndex: 0 });
      products.push({ id: p.id, label: c.label, name: c.name });
    }
    const framesS = (Date.now() - t1) / 1000;

    // The pool's index through the extraction job.
    const embeddings = engine.use(embeddingsFeature);
    const t2 = Date.now();
    const extraction = embeddings.extraction.extract({ scope: { kind: 'project', projectId } });
    const job = await engine.queue.waitFor(extraction.jobId);
    if (job.state !== 'completed') throw new Error(`extraction ${job.state}: ${job.error}`);
    const indexS = (Date.now() - t2) / 1000;
    const index = embeddings.indexFor({ kind: 'project', projectId }, extraction.index.modelId)!;

    const poolLabel = new Map<string, number>();
    for (const a of engine.db.prepare("SELECT id, sha256 FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0").all(projectId) as { id: string; sha256: string }[]) {
      poolLabel.set(a.id, labelBySha.get(a.sha256)!);
    }
    const positives = new Map<number, number>();
    for (const l of poolLabel.values()) positives.set(l, (positives.get(l) ?? 0) + 1);

    // Ranking: every candidate (threshold 0) per product and combination, scored once.
    const matching = engine.use(matchingFeature);
    const t3 = Date.now();
    const ranked = Object.fromEntries(MODES.map((m) => [m, [] as { label: number; items: { assetId: string; score: number }[] }[]])) as Record<Mode, { label: number; items: { assetId: string; score: number }[] }[]>;
    for (const combine of MODES) {
      for (const p of products) {
        const r = await matching.candidates.rank({ productId: p.id, threshold: 0, combine, allowShared: true }, index.id);
        ranked[combine].push({ label: p.label, items: r.items });
      }
    }
    const rankS = (Date.now() - t3) / 1000;

    const at = (combine: Mode, threshold: number) => {
      let offered = 0;
      let hits = 0;
      let relevant = 0;
      let chance = 0;
      for (const r of ranked[combine]) {
        const pos = positives.get(r.label) ?? 0;
        relevant += pos;
        chance += pos / poolLabel.size;
        for (const c of r.items) {
          if (c.score < threshold) break;
          offered++;
          if (poolLabel.get(c.assetId) === r.label) hits++;
        }
      }
      const precision = offered ? hits / offered : 0;
      const recall = relevant ? hits / relevant : 0;
      return { threshold, offered, hits, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, chance: chance / ranked[combine].length };
    };
    // Recall@k of the ranking itself (threshold aside): is a photo of the class among the first k?
    const firstHit = (combine: Mode, k: number) => {
      let n = 0;
      let hit = 0;
      for (const r of ranked[combine]) {
        if (!positives.get(r.label)) continue;
        n++;
        if (r.items.slice(0, k).some((c) => poolLabel.get(c.assetId) === r.label)) hit++;
      }
      return hit / n;
    };

    const def = Object.fromEntries(MODES.map((m) => [m, at(m, DEFAULT_MATCH_THRESHOLD)])) as Record<Mode, ReturnType<typeof at>>;
    const pct = (x: number) => (100 * x).toFixed(1).padStart(5);
    log(`bench:matching — ${new Date().toISOString()} — ${machine()}`);
    log(`products ${products.length} (frames: iconic + ${FRAMES_FROM_TRAIN} train photos), pool ${poolLabel.size} val photos, model ${index.modelId}`);
    log(`setup: import ${importS.toFixed(1)} s, frames ${framesS.toFixed(1)} s, extraction + index ${indexS.toFixed(1)} s; ranking ${(rankS / (MODES.length * products.length)).toFixed(3)} s/product`);
    log('');
    log(`threshold | ${MODES.map((m) => `${m}: offered precision recall F1`).join(' | ')}`);
    for (const t of SWEEP) {
      const cells = MODES.map((m) => {
        const a = at(m, t);
        return `${String(a.offered).padStart(5)} ${pct(a.precision)} ${pct(a.recall)} ${pct(a.f1)}`;
      });
      log(`  ${t.toFixed(2)}    | ${cells.join(' | ')}${t === DEFAULT_MATCH_THRESHOLD ? '   ← default' : ''}`);
    }
    log(`chance precision (share of the pool in the product's class): ${pct(def.max.chance)} %`);
    log(`a photo of the class ranked first: ${MODES.map((m) => `${m} ${pct(firstHit(m, 1))} %`).join(', ')}; in the first 5: ${MODES.map((m) => `${m} ${pct(firstHit(m, 5))} %`).join(', ')}`);
    const bestF1 = (m: Mode) => SWEEP.map((t) => at(m, t)).reduce((x, y) => (y.f1 > x.f1 ? y : x));
    for (const m of MODES) log(`best F1 (${m}) at ${bestF1(m).threshold.toFixed(2)}: precision ${pct(bestF1(m).precision)} %, recall ${pct(bestF1(m).recall)} %`);
    log(`at the default ${DEFAULT_MATCH_THRESHOLD}: contrast (default) precision ${pct(def.contrast.precision)} %, recall ${pct(def.contrast.recall)} %; before (max) ${pct(def.max.precision)} %, ${pct(def.max.recall)} %`);
    log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
    log(
      JSON.stringify({
        bench: 'matching',
        products: products.length,
        pool: poolLabel.size,
        threshold: DEFAULT_MATCH_THRESHOLD,
        combine: 'contrast',
        precision: r4(def.contrast.precision),
        recall: r4(def.contrast.recall),
        f1: r4(def.contrast.f1),
        offered: def.contrast.offered,
        max_precision: r4(def.max.precision),
        max_recall: r4(def.max.recall),
        max_f1: r4(def.max.f1),
        mean_precision: r4(def.mean.precision),
        mean_recall: r4(def.mean.recall),
        mean_f1: r4(def.mean.f1),
        chance_precision: r4(def.max.chance),
        precision_vs_chance: r4(def.contrast.precision / def.contrast.chance),
        precision_vs_max: r4(def.contrast.precision / def.max.precision),
        top1_contrast: r4(firstHit('contrast', 1)),
        top1_max: r4(firstHit('max', 1)),
        top1_mean: r4(firstHit('mean', 1)),
        best_f1_threshold: bestF1('contrast').threshold,
        best_f1: r4(bestF1('contrast').f1),
        rank_s_per_product: r4(rankS / (MODES.length * products.length)),
      }),
    );
  } finally {
    await engine.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

await main();
