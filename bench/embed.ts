/**
 * bench:embed — image retrieval on the grocery-store set with the offline default
 * embedder: gallery = the 2,640 train photos, queries = the 296 val photos, cosine on
 * unit vectors; a query is right at k when one of its k nearest gallery photos has its
 * fine label.
 *
 * One pass of every photo through the engine's path (decode + histogram in the
 * embeddings worker, the network in the inference worker, batches of 8) gives the
 * default's vectors; its parts (each L2-normalised inside the graph) give the other
 * candidates exactly, so all rows come from the same run. The rows of the first recipe
 * (whole-image 18×4×4 histogram | final pooled features | blocks 12+15+final | that ⊕
 * histogram) are followed by the default's (the histogram of the central half, 36×4×4).
 * Speed, on a subset in turns of 8 images so shared-machine load falls on all alike:
 *   floor: bare session.run of the imported network (1 intra-op thread, tensors ready);
 *   peer:  TF.js (wasm backend) running nsfwjs' own graph model on the same tensors;
 *   and the decode and histogram costs, one image at a time.
 * Prints a summary, then one JSON line (the last line) for docs/benchmarks.md.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { InferenceRuntime } from '../src-main/engine/inference/runtime.js';
import { packageRoot } from '../src-main/engine/package-root.js';
import { toModelRef, type EmbedderSpec } from '../src-main/features/embeddings/embedder-spec.js';
import { prepareEmbeddingPixels } from '../src-main/features/embeddings/embedding-image.js';
import { sqrtHsvHistogram, sqrtHsvHistogramOfCentre } from '../src-main/features/embeddings/hsv-histogram.js';
import { ImageEmbedder, type EmbedderHandle } from '../src-main/features/embeddings/image-embedder.js';
import { nsfwjsModelDir, OFFLINE_EMBEDDER_IO, OFFLINE_EMBEDDER_RECIPE, offlineEmbedderSpec } from '../src-main/features/embeddings/offline-embedder.js';
import { readNsfwjsModelJson } from '../src-main/features/embeddings/tfjs-graph-model.js';
import { groceryDir, machine } from './dataset.js';

const SPEED_IMAGES = Number(process.env.BENCH_EMBED_SPEED_IMAGES ?? 64);
const TURN = 8;
const BATCH = 8;
const log = (line: string) => console.log(line);

async function readList(name: string): Promise<{ file: string; label: number }[]> {
  const text = await fs.readFile(path.join(groceryDir, name), 'utf8').catch(() => null);
  if (text === null) {
    console.error(`bench:embed needs the grocery-store photos: ${groceryDir} is absent (it lives in ../shared beside the repo)`);
    process.exit(2);
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ file: path.join(groceryDir, l.split(',')[0]!.trim()), label: Number(l.split(',')[1]) }));
}

/** recall@1 and @5 (percent) of queries against the gallery; rows are unit vectors of `dim` values at `offset` in each `stride`. */
function recall(vectors: Float32Array, stride: number, slices: { offset: number; dim: number; weight: number }[], gallery: number[], queries: number[], labels: number[]): [number, number] {
  // Each candidate is the weighted concatenation of unit slices, normalised again.
  const dim = slices.reduce((n, s) => n + s.dim, 0);
  const total = Math.sqrt(slices.reduce((n, s) => n + s.weight * s.weight, 0));
  const rows = (ids: number[]) => {
    const out = new Float32Array(ids.length * dim);
    ids.forEach((id, r) => {
      let o = r * dim;
      for (const s of slices) {
        const part = vectors.subarray(id * stride + s.offset, id * stride + s.offset + s.dim);
        let n = 0;
        for (const v of part) n += v * v;
        const k = s.weight / Math.sqrt(n) / total;
        for (const v of part) out[o++] = v * k;
      }
    });
    return out;
  };
  const g = rows(gallery);
  const q = rows(queries);
  let hit1 = 0;
  let hit5 = 0;
  const top = new Array<{ score: number; label: number }>();
  for (let i = 0; i < queries.length; i++) {
    top.length = 0;
    const qi = q.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < gallery.length; j++) {
      let s = 0;
      const gj = g.subarray(j * dim, (j + 1) * dim);
      for (let k = 0; k < dim; k++) s += qi[k]! * gj[k]!;
      if (top.length < 5 || s > top[4]!.score) {
        top.push({ score: s, label: labels[gallery[j]!]! });
        top.sort((a, b) => b.score - a.score);
        if (top.length > 5) top.pop();
      }
    }
    const want = labels[queries[i]!]!;
    if (top[0]!.label === want) hit1++;
    if (top.some((t) => t.label === want)) hit5++;
  }
  const pct = (n: number) => Number(((100 * n) / queries.length).toFixed(1));
  return [pct(hit1), pct(hit5)];
}

// BENCH_EMBED_QUICK=1: a small slice of the set, for trying the script out (figures not comparable).
const quick = process.env.BENCH_EMBED_QUICK === '1';
const train = (await readList('train.txt')).slice(0, quick ? 200 : undefined);
const val = (await readList('val.txt')).slice(0, quick ? 40 : undefined);
const all = [...train, ...val];
const labels = all.map((r) => r.label);
const galleryIds = train.map((_, i) => i);
const queryIds = val.map((_, i) => train.length + i);

const runtime = new InferenceRuntime({ providers: ['cpu'], intraOpThreads: 1 });
const embedder = new ImageEmbedder(runtime, { workers: 1 });
try {
  const cacheDir = path.join(packageRoot, '.bench', 'embed-models');
  let t = performance.now();
  const model = await embedder.offlineDefault(cacheDir);
  log(`offline embedder: ${model.file.path} (${(model.file.bytes / 2 ** 20).toFixed(1)} MiB, sha256 ${model.file.sha256.slice(0, 16)}…), ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // The same graph asked for its three pooled parts separately (each normalised by the
  // runtime): their concatenation over √3 is exactly the graph's `network` output.
  const pooledParts = OFFLINE_EMBEDDER_RECIPE.pooled.map((p) => p.name);
  const dims = { block12: 136, block15: 224, final: 1792 } as Record<string, number>;
  const base = offlineEmbedderSpec();
  const partsSpec: EmbedderSpec = {
    ...base,
    outputs: pooledParts.map((name) => ({ name: OFFLINE_EMBEDDER_IO.pooled(name), pooling: 'none', layout: 'NCHW', normalize: true, weight: 1, dimension: dims[name]! })),
  };
  const parts: EmbedderHandle = { id: model.id, spec: partsSpec, ref: toModelRef(model.id, model.file, partsSpec) };

  // Same vectors as the default, checked on a few photos.
  const probe = all.slice(0, 8).map((r) => r.file);
  const [a, b] = [await embedder.embed(model, probe), await embedder.embed(parts, probe)];
  const drift = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  if (drift > 1e-5) throw new Error(`the parts spec drifts from the default by ${drift}`);

  log(`embedding ${all.length} photos through the engine path (1 image worker, 1 intra-op thread, batches of ${BATCH})…`);
  t = performance.now();
  const vectors = await embedder.embed(parts, all.map((r) => r.file), { batchSize: BATCH });
  const engineMs = (performance.now() - t) / all.length;
  log(`  ${engineMs.toFixed(1)} ms/image end to end (decode, histogram and network pipelined over 2 threads)`);

  // The table's first recipe histogrammed the whole image at 18×4×4: computed here from
  // the same prepared pixels and appended to each row, for the rows that reproduce it.
  const WHOLE = { hue: 18, saturation: 4, value: 4 };
  const wholeDim = WHOLE.hue * WHOLE.saturation * WHOLE.value;
  const D = model.spec.dimension;
  const stride = D + wholeDim;
  const table = new Float32Array(all.length * stride);
  for (let i = 0; i < all.length; i += 16) {
    const chunk = all.slice(i, i + 16);
    const prepared = await Promise.all(chunk.map((r) => prepareEmbeddingPixels(r.file, base.input)));
    prepared.forEach((p, j) => {
      table.set(vectors.subarray((i + j) * D, (i + j + 1) * D), (i + j) * stride);
      table.set(sqrtHsvHistogram(p, 3, WHOLE), (i + j) * stride + D);
    });
  }

  // Speed in turns: decode, histogram, the floor and the TF.js peer on the same tensors.
  setWasmPaths(`${path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const { json, weightData } = await readNsfwjsModelJson(nsfwjsModelDir());
  const peer = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology as never, weightSpecs: json.weightsManifest[0]!.weights as never, weightData: weightData.buffer as ArrayBuffer }));
  const peerOutputs = OFFLINE_EMBEDDER_RECIPE.pooled.map((p) => p.tensor);
  const floor = await ort.InferenceSession.create(model.file.path, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: 1, interOpNumThreads: 1 });
  const speedFiles = val.slice(0, SPEED_IMAGES).map((r) => r.file);
  const S = OFFLINE_EMBEDDER_RECIPE.size;
  let decodeMs = 0;
  let histMs = 0;
  let wholeHistMs = 0;
  let floorMs = 0;
  let peerMs = 0;
  for (let from = 0, turn = 0; from < speedFiles.length; from += TURN, turn++) {
    const chunk = speedFiles.slice(from, from + TURN);
    const pixels: Uint8Array[] = [];
    let t0 = performance.now();
    for (const f of chunk) pixels.push(await prepareEmbeddingPixels(f, base.input));
    decodeMs += performance.now() - t0;
    t0 = performance.now();
    for (const p of pixels) sqrtHsvHistogramOfCentre(p, { width: S, height: S, channels: 3 }, OFFLINE_EMBEDDER_RECIPE.histogramCentre, OFFLINE_EMBEDDER_RECIPE.bins);
    histMs += performance.now() - t0;
    t0 = performance.now();
    for (const p of pixels) sqrtHsvHistogram(p, 3);
    wholeHistMs += performance.now() - t0;
    const x = new Float32Array(chunk.length * S * S * 3);
    pixels.forEach((p, i) => {
      for (let k = 0; k < p.length; k++) x[i * p.length + k] = p[k]! / 255;
    });
    const ours = async () => {
      const t1 = performance.now();
      await floor.run({ [OFFLINE_EMBEDDER_IO.input]: new ort.Tensor('float32', x, [chunk.length, S, S, 3]) }, [OFFLINE_EMBEDDER_IO.network]);
      floorMs += performance.now() - t1;
    };
    const theirs = async () => {
      const t1 = performance.now();
      const input = tf.tensor4d(x, [chunk.length, S, S, 3]);
      const outs = peer.execute(input, peerOutputs) as tf.Tensor[];
      await Promise.all(outs.map((o) => o.data()));
      tf.dispose([input, ...outs]);
      peerMs += performance.now() - t1;
    };
    // Who goes first alternates; the first turn is a warm-up for both and is not counted.
    const [first, second] = turn % 2 ? [theirs, ours] : [ours, theirs];
    const before = [floorMs, peerMs];
    await first();
    await second();
    if (turn === 0) [floorMs, peerMs] = before as [number, number];
  }
  const timed = Math.max(1, speedFiles.length - TURN);
  const perImage = { decode: decodeMs / speedFiles.length, hist: histMs / speedFiles.length, wholeHist: wholeHistMs / speedFiles.length, floor: floorMs / timed, peer: peerMs / timed };
  await floor.release();
  peer.dispose();

  // Candidates from the one pass: offsets of the unit parts in each row.
  const slice = (offset: number, dim: number, weight = 1) => ({ offset, dim, weight });
  const histOffset = 136 + 224 + 1792;
  const { bins, histogramCentre } = OFFLINE_EMBEDDER_RECIPE;
  const histDim = bins.hue * bins.saturation * bins.value;
  const histName = `√HSV histogram (${bins.hue}×${bins.saturation}×${bins.value}${histogramCentre < 1 ? `, central ${histogramCentre * 100}%` : ''})`;
  // The network part is the three unit parts over √3; a histogram joins it with its weight.
  const network = [slice(0, 136, 1 / Math.sqrt(3)), slice(136, 224, 1 / Math.sqrt(3)), slice(360, 1792, 1 / Math.sqrt(3))];
  const rows: { name: string; slices: ReturnType<typeof slice>[]; ms: number; note: string }[] = [
    { name: '√HSV histogram (18×4×4, whole image)', slices: [slice(D, wholeDim)], ms: perImage.decode + perImage.wholeHist, note: 'decode + histogram' },
    { name: "nsfwjs' MobileNetV2-1.4, final pooled", slices: [slice(360, 1792)], ms: perImage.decode + perImage.floor, note: 'decode + network' },
    { name: 'blocks 12 + 15 + final, each L2, concatenated', slices: [slice(0, 136), slice(136, 224), slice(360, 1792)], ms: perImage.decode + perImage.floor, note: 'decode + network' },
    { name: 'that ⊕ the whole-image histogram, equal weights', slices: [...network, slice(D, wholeDim)], ms: perImage.decode + perImage.floor + perImage.wholeHist, note: 'decode + network + histogram' },
    { name: histName, slices: [slice(histOffset, histDim)], ms: perImage.decode + perImage.hist, note: 'decode + histogram' },
    {
      name: `that ⊕ ${histName}, equal weights (default)`,
      slices: [...network, slice(histOffset, histDim, OFFLINE_EMBEDDER_RECIPE.histogramWeight)],
      ms: engineMs,
      note: 'engine path, pipelined',
    },
  ];
  log('');
  log(`retrieval: gallery ${galleryIds.length} train photos, ${queryIds.length} val queries (chance ≈ 1.2%)`);
  const candidates = rows.map((r) => {
    const [r1, r5] = recall(table, stride, r.slices, galleryIds, queryIds, labels);
    log(`  ${r.name.padEnd(62)} recall@1 ${r1.toFixed(1).padStart(5)}  recall@5 ${r5.toFixed(1).padStart(5)}  ${r.ms.toFixed(1).padStart(6)} ms/image (${r.note})`);
    return { name: r.name, recall_at_1: r1, recall_at_5: r5, ms_per_image: Number(r.ms.toFixed(2)) };
  });
  const best = candidates[candidates.length - 1]!;
  log('');
  log(`speed on ${speedFiles.length} val photos (${machine()}):`);
  log(`  decode + resize to 224² (sharp):      ${perImage.decode.toFixed(1)} ms/image`);
  log(`  ${`${histName} (JS):`.padEnd(38)} ${perImage.hist.toFixed(2)} ms/image`);
  log(`  floor, imported network, 1 thread:    ${perImage.floor.toFixed(1)} ms/image (bare session.run, batches of ${TURN})`);
  log(`  peer, TF.js wasm, nsfwjs' own graph:  ${perImage.peer.toFixed(1)} ms/image → ours is ${(perImage.peer / perImage.floor).toFixed(2)}× faster`);
  log(`  engine path end to end:               ${engineMs.toFixed(1)} ms/image = ${(engineMs / perImage.floor).toFixed(2)}× the network floor`);
  console.log(
    JSON.stringify({
      bench: 'embed',
      gallery: galleryIds.length,
      queries: queryIds.length,
      recall_at_1: best.recall_at_1,
      recall_at_5: best.recall_at_5,
      ms_per_image: Number(engineMs.toFixed(2)),
      network_floor_ms_per_image_1_thread: Number(perImage.floor.toFixed(2)),
      peer_tfjs_wasm_ms_per_image: Number(perImage.peer.toFixed(2)),
      peer_over_floor: Number((perImage.peer / perImage.floor).toFixed(2)),
      engine_over_floor: Number((engineMs / perImage.floor).toFixed(2)),
      decode_ms_per_image: Number(perImage.decode.toFixed(2)),
      histogram_ms_per_image: Number(perImage.hist.toFixed(3)),
      model_sha256: model.file.sha256,
      candidates,
    }),
  );
} finally {
  await embedder.close();
  await runtime.close();
}
