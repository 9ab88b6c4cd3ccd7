/**
 * bench:index — the vector index (HNSW through hnswlib-node, src-main/features/embeddings/
 * vector-index.ts) over 100,000 embeddings of the offline embedder's dimension: build time,
 * memory, queries/s and recall@10 against exact search, next to usearch (an ANN peer) built
 * and queried in the same run with the same M / efConstruction / ef, single-threaded like
 * hnswlib-node. Exact search (ours, vector-index-exact.ts) is both the ground truth and the
 * floor the speed-up is measured against.
 *
 * Vectors: real ones from `.bench/embeddings/*.f32` (or the file given with `--real`) when
 * present (raw little-endian float32, `--dim` numbers per vector, checked against a sibling
 * .json's `dimension` if there is one; the last `--queries` vectors are the queries; topped
 * up with jittered copies if there are fewer than `--vectors`),
 * otherwise seeded synthetic product-library vectors (vector-index-synthetic.ts: 2,000
 * products in 50 categories, a rank-16 per-category variation, isotropic noise and 10 %
 * near-duplicate runs; expected cosines ≈ 0.30 unrelated / 0.45 same category / 0.75 same
 * product / 0.99 near-duplicate; the run prints what it measured).
 *
 *   node --import tsx bench/index.ts [--vectors 100000] [--dim 2080] [--queries 200]
 *        [--M 16] [--ef-construction 200] [--ef 128] [--ef-sweep 32,64,…] [--no-peer] [--no-save]
 *        [--real file.f32]
 *   node --import tsx bench/index.ts --crossover [--dim 2080] [--sizes 250,500,…]
 *     measures where an exact scan stops being faster than HNSW (the exact-search threshold).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import usearch from 'usearch';
import { BlobStore } from '../src-main/engine/store/blob-store.js';
import { exactTopK, exactTopKBatch, type ExactHit } from '../src-main/features/embeddings/vector-index-exact.js';
import { ClusteredVectors, seededGaussian, seededRandom } from '../src-main/features/embeddings/vector-index-synthetic.js';
import { normaliseRows } from '../src-main/features/embeddings/vector-index-vectors.js';
import { DEFAULT_HNSW_PARAMS, loadVectorIndex, saveVectorIndex, VectorIndex, type SearchHit } from '../src-main/features/embeddings/vector-index.js';
import { machine } from './dataset.js';

const K = 10;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const { values: flags } = parseArgs({
  options: {
    vectors: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '2080' },
    queries: { type: 'string', default: '200' },
    M: { type: 'string', default: String(DEFAULT_HNSW_PARAMS.M) },
    'ef-construction': { type: 'string', default: String(DEFAULT_HNSW_PARAMS.efConstruction) },
    ef: { type: 'string', default: String(DEFAULT_HNSW_PARAMS.ef) },
    'ef-sweep': { type: 'string', default: '32,64,96,128,192,256' },
    'no-peer': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    crossover: { type: 'boolean', default: false },
    real: { type: 'string' },
    sizes: { type: 'string', default: '250,500,1000,2000,4000,8000' },
  },
});
const dim = Number(flags.dim);
const params = { M: Number(flags.M), efConstruction: Number(flags['ef-construction']), ef: Number(flags.ef) };

const mib = (bytes: number) => bytes / 2 ** 20;
const rss = () => process.memoryUsage().rss;
const seconds = (since: number) => (performance.now() - since) / 1000;
const row = (m: Float32Array, i: number) => m.subarray(i * dim, (i + 1) * dim);

/** Base and query vectors: real when cached, else synthetic (see the header). */
function vectorsFor(count: number, queries: number): { base: Float32Array; queries: Float32Array; source: string } {
  const dir = flags.real ? path.dirname(path.resolve(flags.real)) : path.join(root, '.bench/embeddings');
  const files = flags.real ? [path.basename(flags.real)] : fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.f32')) : [];
  if (files.length) {
    const parts = files.map((f) => {
      const sidecar = path.join(dir, f.replace(/\.f32$/, '.json'));
      const declared = fs.existsSync(sidecar) ? (JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { dimension?: number }).dimension : undefined;
      if (declared !== undefined && declared !== dim) throw new Error(`${f}: ${path.basename(sidecar)} says dimension ${declared}; pass --dim ${declared}`);
      const buf = fs.readFileSync(path.join(dir, f));
      if (buf.byteLength % (4 * dim) !== 0) throw new Error(`${f}: ${buf.byteLength} bytes is not a whole number of ${dim}-dimensional float32 vectors (pass --dim)`);
      return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    });
    const real = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) real.set(p, (o += p.length) - p.length);
    normaliseRows(real, dim);
    const n = real.length / dim;
    if (n <= queries) throw new Error(`.bench/embeddings holds ${n} vectors, fewer than the ${queries} queries`);
    // Held-out real vectors are the queries; the rest, plus jittered copies if short, the base.
    const q = real.slice((n - queries) * dim);
    const base = new Float32Array(count * dim);
    const g = seededGaussian(7);
    const have = n - queries;
    for (let i = 0; i < count; i++) {
      const src = row(real, i % have);
      const dst = base.subarray(i * dim, (i + 1) * dim);
      dst.set(src);
      if (i >= have) for (let j = 0; j < dim; j++) dst[j]! += g() * Math.sqrt(0.02 / dim);
    }
    normaliseRows(base, dim);
    return { base, queries: q, source: `${n} real vectors from ${path.relative(root, dir)} (${files.join(', ')})${count > have ? `, topped up with ${count - have} jittered copies` : ''}` };
  }
  const gen = new ClusteredVectors({ dim, seed: 1 });
  return { base: gen.sample(count, 11).vectors, queries: gen.sample(queries, 12).vectors, source: `synthetic: ${gen.products} products in ${gen.categories} categories (vector-index-synthetic.ts)` };
}

/** Mean cosine of random pairs and of each query's nearest neighbour: what the spread looks like. */
function spread(base: Float32Array, truth: ExactHit[][]): { random: number; nn1: number; nn10: number } {
  const n = base.length / dim;
  const u = seededRandom(3);
  let random = 0;
  const pairs = 2000;
  for (let p = 0; p < pairs; p++) random += dotOf(base, Math.floor(u() * n), Math.floor(u() * n));
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { random: random / pairs, nn1: mean(truth.map((t) => t[0]!.score)), nn10: mean(truth.map((t) => t[K - 1]!.score)) };
}

function dotOf(m: Float32Array, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += m[a * dim + i]! * m[b * dim + i]!;
  return s;
}

function recallAt(truth: ExactHit[][], found: number[][]): number {
  let hit = 0;
  truth.forEach((t, q) => {
    const want = new Set(t.slice(0, K).map((h) => h.row));
    hit += found[q]!.slice(0, K).filter((r) => want.has(r)).length;
  });
  return hit / (truth.length * K);
}

/** Accumulates the time spent in the calls it wraps, so two contenders can take turns. */
class Clock {
  ms = 0;
  time<T>(fn: () => T): T {
    const t = performance.now();
    try {
      return fn();
    } finally {
      this.ms += performance.now() - t;
    }
  }
  perSecond(n: number): number {
    return n / (this.ms / 1000);
  }
}

const rowIds = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
const rowOf = (hits: SearchHit[]) => hits.map((h) => Number(h.id.slice(1)));

async function crossover(): Promise<void> {
  const sizes = flags.sizes.split(',').map(Number);
  const nq = Number(flags.queries);
  const gen = new ClusteredVectors({ dim, seed: 1 });
  const queries = gen.sample(nq, 12).vectors;
  const table: { n: number; exact_qps: number; exact_batch_qps: number; hnsw_qps: number; hnsw_recall: number }[] = [];
  for (const n of sizes) {
    const base = gen.sample(n, 11).vectors;
    const index = VectorIndex.create({ scope: 'bench', modelId: 'synthetic', dim, hnsw: params, exactThreshold: Math.max(...sizes), initialCapacity: n });
    index.addMany(rowIds(n), base);
    // Both paths through VectorIndex.search (query checks, id mapping included), taking
    // turns query by query so that load from other processes falls on both alike.
    const exact = new Clock(), hnsw = new Clock(), batch = new Clock();
    const found: number[][] = [];
    for (let round = 0; round < 3; round++) {
      for (let q = 0; q < nq; q++) {
        const query = row(queries, q);
        if (round === 0) {
          index.search(query, K, { mode: 'exact' }); // warm-up
          index.search(query, K, { mode: 'hnsw' });
          continue;
        }
        exact.time(() => index.search(query, K, { mode: 'exact' }));
        found[q] = hnsw.time(() => rowOf(index.search(query, K, { mode: 'hnsw' })));
      }
    }
    const truth = batch.time(() => exactTopKBatch(base, dim, n, queries, K));
    const entry = {
      n,
      exact_qps: +exact.perSecond(2 * nq).toFixed(1),
      exact_batch_qps: +batch.perSecond(nq).toFixed(1),
      hnsw_qps: +hnsw.perSecond(2 * nq).toFixed(1),
      hnsw_recall: +recallAt(truth, found).toFixed(4),
    };
    table.push(entry);
    console.log(`n=${String(n).padStart(6)}  exact ${entry.exact_qps} q/s (batched ${entry.exact_batch_qps})  hnsw ef=${params.ef} ${entry.hnsw_qps} q/s, recall@10 ${entry.hnsw_recall}`);
  }
  // Where single-query exact and HNSW speeds cross, by log-log interpolation.
  let cross: number | null = null;
  for (let i = 1; i < table.length && cross === null; i++) {
    const a = table[i - 1]!, b = table[i]!;
    const ra = Math.log(a.exact_qps / a.hnsw_qps), rb = Math.log(b.exact_qps / b.hnsw_qps);
    if (ra >= 0 && rb < 0) cross = Math.round(Math.exp(Math.log(a.n) + (ra / (ra - rb)) * (Math.log(b.n) - Math.log(a.n))));
  }
  console.log(`machine: ${machine()}; dim ${dim}; exact single-query speed meets HNSW (ef ${params.ef}) at ≈ ${cross ?? 'outside the sizes tried'} vectors`);
  console.log(JSON.stringify({ bench: 'index-crossover', dim, ef: params.ef, crossover: cross, sizes: table }));
}

async function main(): Promise<void> {
  const count = Number(flags.vectors);
  const nq = Number(flags.queries);
  const withPeer = !flags['no-peer'];
  console.log(`machine: ${machine()}; ${count} vectors × ${dim} dims, ${nq} queries, k=${K}; M=${params.M} efConstruction=${params.efConstruction} ef=${params.ef}`);
  let started = performance.now();
  const { base, queries, source } = vectorsFor(count, nq);
  console.log(`vectors: ${source} (${seconds(started).toFixed(1)} s to make)`);

  // Build ours (VectorIndex: the product code path, id map and vector checks included) and
  // the peer in turns, 2,000 vectors each, so that load from other processes on this
  // shared machine falls on both alike. RSS growth is booked to whoever was adding.
  const ours = VectorIndex.create({ scope: 'bench', modelId: 'bench', dim, hnsw: params, exactThreshold: 0, initialCapacity: count });
  const peer = withPeer
    ? new usearch.Index({
        dimensions: dim,
        metric: usearch.MetricKind.IP,
        quantization: usearch.ScalarKind.F32,
        connectivity: params.M,
        expansion_add: params.efConstruction,
        expansion_search: params.ef,
        multi: false,
      })
    : null;
  const build = { ours: new Clock(), peer: new Clock(), oursBytes: 0, peerBytes: 0 };
  const ids = rowIds(count);
  const chunk = 2000;
  started = performance.now();
  for (let o = 0, shown = 0; o < count; o += chunk) {
    const end = Math.min(count, o + chunk);
    let before = rss();
    build.ours.time(() => ours.addMany(ids.slice(o, end), base.subarray(o * dim, end * dim)));
    build.oursBytes += rss() - before;
    if (peer) {
      before = rss();
      const keys = BigUint64Array.from({ length: end - o }, (_, i) => BigInt(o + i));
      build.peer.time(() => peer.add(keys, base.subarray(o * dim, end * dim), 1));
      build.peerBytes += rss() - before;
    }
    if (end / count >= shown + 0.1 || end === count) {
      shown = Math.floor((end / count) * 10) / 10;
      console.log(`  built ${end} (${seconds(started).toFixed(0)} s: ours ${(build.ours.ms / 1000).toFixed(0)} s${peer ? `, usearch ${(build.peer.ms / 1000).toFixed(0)} s` : ''})`);
    }
  }
  const buildS = build.ours.ms / 1000;
  const peerBuildS = build.peer.ms / 1000;
  console.log(`build: ours ${buildS.toFixed(1)} s, RSS +${mib(build.oursBytes).toFixed(0)} MiB` + (peer ? `; usearch (1 thread) ${peerBuildS.toFixed(1)} s, RSS +${mib(build.peerBytes).toFixed(0)} MiB` : ''));

  // Queries in turns, eight at a time: exact batched (the ground truth), exact one at a
  // time (one query of the eight), ours at the chosen ef, the peer at the same ef.
  const clocks = { exactBatch: new Clock(), exactSingle: new Clock(), ours: new Clock(), peer: new Clock() };
  const truth: ExactHit[][] = [];
  const oursFound: number[][] = [];
  const peerFound: number[][] = [];
  let singles = 0;
  for (let q = 0; q < Math.min(nq, 8); q++) {
    ours.search(row(queries, q), K, { mode: 'hnsw' }); // warm-up
    peer?.search(row(queries, q), K, 1);
  }
  for (let q0 = 0; q0 < nq; q0 += 8) {
    const q1 = Math.min(nq, q0 + 8);
    truth.push(...clocks.exactBatch.time(() => exactTopKBatch(base, dim, count, queries.subarray(q0 * dim, q1 * dim), K)));
    clocks.exactSingle.time(() => exactTopK(base, dim, count, row(queries, q0), K));
    singles++;
    for (let q = q0; q < q1; q++) oursFound[q] = clocks.ours.time(() => rowOf(ours.search(row(queries, q), K, { mode: 'hnsw' })));
    if (peer) for (let q = q0; q < q1; q++) peerFound[q] = clocks.peer.time(() => Array.from(peer.search(row(queries, q), K, 1).keys, Number));
  }
  const exactBatchQps = clocks.exactBatch.perSecond(nq);
  const exactSingleQps = clocks.exactSingle.perSecond(singles);
  const exactQps = Math.max(exactBatchQps, exactSingleQps);
  const qps = clocks.ours.perSecond(nq);
  const recall = recallAt(truth, oursFound);
  const peerQps = peer ? clocks.peer.perSecond(nq) : null;
  const peerRecall = peer ? recallAt(truth, peerFound) : null;
  const s = spread(base, truth);
  console.log(`exact: ${exactSingleQps.toFixed(2)} q/s one at a time, ${exactBatchQps.toFixed(2)} q/s batched`);
  console.log(`spread: mean cosine of random pairs ${s.random.toFixed(3)}, query → 1st neighbour ${s.nn1.toFixed(3)}, → 10th ${s.nn10.toFixed(3)}`);
  console.log(`ours (ef ${params.ef}): ${qps.toFixed(0)} q/s, recall@10 ${recall.toFixed(4)}` + (peer ? `; usearch (ef ${params.ef}, 1 thread): ${peerQps!.toFixed(0)} q/s, recall@10 ${peerRecall!.toFixed(4)}` : ''));

  // How ef trades recall for speed (each ef over all queries; the exact speed above is the yardstick).
  const sweep = [...new Set([...flags['ef-sweep'].split(',').map(Number), params.ef])].sort((a, b) => a - b);
  const efRows: { ef: number; qps: number; recall: number }[] = [];
  for (const ef of sweep) {
    const clock = new Clock();
    const found = Array.from({ length: nq }, (_, q) => clock.time(() => rowOf(ours.search(row(queries, q), K, { ef, mode: 'hnsw' }))));
    efRows.push({ ef, qps: clock.perSecond(nq), recall: recallAt(truth, found) });
    console.log(`  ef ${String(ef).padStart(4)}: ${clock.perSecond(nq).toFixed(0).padStart(6)} q/s (${(clock.perSecond(nq) / exactQps).toFixed(0)}× exact), recall@10 ${recallAt(truth, found).toFixed(4)}`);
  }

  let saveLoad: { saveS: number; loadS: number; identical: boolean; mib: number } | null = null;
  if (!flags['no-save']) {
    const dataDir = path.join(root, '.bench/index-data');
    await fsp.rm(dataDir, { recursive: true, force: true });
    const store = new BlobStore(dataDir);
    await store.init();
    started = performance.now();
    const saved = await saveVectorIndex(ours, store);
    const saveS = seconds(started);
    started = performance.now();
    const loaded = await loadVectorIndex(store.pathOf(saved.sha256), JSON.parse(JSON.stringify(saved.rows)));
    const loadS = seconds(started);
    let identical = true;
    for (let q = 0; q < nq && identical; q++) identical = JSON.stringify(ours.search(row(queries, q), K)) === JSON.stringify(loaded.search(row(queries, q), K));
    saveLoad = { saveS, loadS, identical, mib: mib(saved.bytes) };
    console.log(`save: ${saveS.toFixed(1)} s (${saveLoad.mib.toFixed(0)} MiB: write, fsync, sha256, rename), load: ${loadS.toFixed(1)} s; the loaded index answers identically: ${identical}`);
    await fsp.rm(dataDir, { recursive: true, force: true });
  }

  const speedup = qps / exactQps;
  const goal = recall >= 0.98 && speedup >= 50 ? 'met' : 'NOT met';
  console.log(
    `summary: recall@10 ${recall.toFixed(4)} at ${qps.toFixed(0)} q/s = ${speedup.toFixed(0)}× exact search (${exactQps.toFixed(2)} q/s); goal (≥ 0.98 at ≥ 50×${count === 100_000 ? '' : ', set for 100,000 vectors'}) ${goal}` +
      (peer ? `; usearch ${peerRecall!.toFixed(4)} at ${peerQps!.toFixed(0)} q/s: ours ${(qps / peerQps!).toFixed(2)}× its speed, ${(buildS / peerBuildS).toFixed(2)}× its build time` : ''),
  );
  console.log(
    JSON.stringify({
      bench: 'index',
      vectors: count,
      dim,
      recall_at_10: +recall.toFixed(4),
      qps: +qps.toFixed(1),
      exact_qps: +exactQps.toFixed(2),
      peer_recall_at_10: peerRecall === null ? null : +peerRecall.toFixed(4),
      peer_qps: peerQps === null ? null : +peerQps.toFixed(1),
      build_s: +buildS.toFixed(1),
      peer_build_s: peer ? +peerBuildS.toFixed(1) : null,
      speedup_vs_exact: +speedup.toFixed(1),
      qps_vs_peer: peerQps === null ? null : +(qps / peerQps).toFixed(3),
      build_vs_peer: peer ? +(buildS / peerBuildS).toFixed(3) : null,
      rss_mib: +mib(build.oursBytes).toFixed(0),
      peer_rss_mib: peer ? +mib(build.peerBytes).toFixed(0) : null,
      exact_single_qps: +exactSingleQps.toFixed(3),
      exact_batch_qps: +exactBatchQps.toFixed(3),
      M: params.M,
      ef_construction: params.efConstruction,
      ef: params.ef,
      ef_sweep: efRows.map((r) => ({ ef: r.ef, qps: +r.qps.toFixed(1), recall_at_10: +r.recall.toFixed(4) })),
      save_s: saveLoad ? +saveLoad.saveS.toFixed(1) : null,
      load_s: saveLoad ? +saveLoad.loadS.toFixed(1) : null,
      loaded_identical: saveLoad ? saveLoad.identical : null,
      vectors_source: source,
    }),
  );
}

await (flags.crossover ? crossover() : main());
