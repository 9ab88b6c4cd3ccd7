/**
 * bench:segment — background removal on 50 grocery-store photos, same model, same run:
 *   ours:  the engine's batch (decode → IS-Net in the inference thread → PNG cut-out
 *          stored as a derived asset), pipelined over worker threads;
 *   peer:  @imgly/background-removal-node's removeBackground() on each file, asked for
 *          raw RGBA (its fastest output: no encoding, and its exact alpha for the IoU);
 *          ours pays for a lossless PNG and storing it, so the ratio is conservative;
 *   floor: bare session.run on the same model with the inputs already preprocessed.
 * The three take turns on chunks of 10 images (times summed), so load from other work on
 * a shared machine falls on all of them alike. Prints a summary, then one JSON line
 * (the last line) for docs/benchmarks.md.
 *
 * ATOLYE_EP=cuda (or cpu) picks the provider for ours and the floor; the peer always
 * runs onnxruntime's default (CPU).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeBackground as peerRemoveBackground } from '@imgly/background-removal-node';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { openEngine } from '../src-main/features/index.js';
import { buildPreprocessModel, PRE_INPUT, PRE_OUTPUT } from '../src-main/engine/inference/onnx-graph.js';
import { sessionOptions } from '../src-main/engine/inference/sessions.js';
import { alphaOf, datasetMissing, iou, peerAlpha, peerOutput, peerPublicPath, pickImages } from '../test/features/remove-background/peer.js';
import { api } from '../test/support/engine.js';

// IMAGES=20 for a shorter run (the median of three on an otherwise idle machine); 50 by default.
const IMAGES = Math.max(10, Math.round(Number(process.env.IMAGES ?? 50) / 10) * 10 || 50);
const MODEL = 'isnet-imgly-medium';
const CHUNK = 10;

const missing = datasetMissing();
if (missing) {
  console.error(`bench:segment needs the grocery-store photos: ${missing}`);
  process.exit(2);
}

const picked = pickImages(IMAGES + 1);
const warmup = picked[0]!;
const files = picked.slice(1);
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-bench-segment-'));
const log = (line: string) => console.log(line);

try {
  const engine = await openEngine({ dataDir: path.join(work, 'data') });
  const imported = await api(engine).imports.wait((await api(engine).imports.start({ paths: files, projectName: 'bench' })).importId);
  const warm = await api(engine).imports.wait((await api(engine).imports.start({ paths: [warmup], projectName: 'warm-up' })).importId);
  if (imported.imported !== IMAGES) throw new Error(`imported ${imported.imported} of ${IMAGES}`);
  const assetOf = new Map(api(engine).library.listAssets(imported.projectId, 0, 1000).items.map((a) => [a.fileName, a.id]));

  // One-time costs, paid before any clock starts: model assembly and session load for
  // ours, session creation for the peer, preprocessing for the floor (it is the floor).
  await api(engine).removeBackground.wait((await api(engine).removeBackground.start({ projectId: warm.projectId, modelId: MODEL })).runId);
  const provider = engine.inference.provider ?? 'cpu';
  const threads = engine.inference.config.intraOpThreads;
  const modelRef = await api(engine).models.resolve(MODEL);
  const peerConfig = { model: 'medium' as const, publicPath: peerPublicPath(), output: peerOutput };
  await peerRemoveBackground(warmup, peerConfig);

  const [w, h] = modelRef.input.size;
  const pre = await ort.InferenceSession.create(
    buildPreprocessModel({ width: w, height: h, resize: modelRef.input.resize, colorOrder: modelRef.input.colorOrder, mean: modelRef.input.mean, std: modelRef.input.std, layout: modelRef.input.layout }),
    sessionOptions('cpu', threads),
  );
  // Preprocessed per chunk, just before the floor's turn and off its clock: 50 tensors of
  // 12 MB made up front would leave the process a heap to collect during the first turns.
  const preprocess = async (chunk: string[]) => {
    const tensors: ort.Tensor[] = [];
    for (const file of chunk) {
      const { data, info } = await sharp(file).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const out = await pre.run({ [PRE_INPUT]: new ort.Tensor('uint8', new Uint8Array(data), [1, info.height, info.width, 3]) });
      tensors.push(out[PRE_OUTPUT]!);
    }
    return tensors;
  };
  let floorSession: ort.InferenceSession;
  try {
    floorSession = await ort.InferenceSession.create(modelRef.path, sessionOptions(provider, threads));
  } catch {
    floorSession = await ort.InferenceSession.create(modelRef.path, sessionOptions('cpu', threads));
  }
  const inputName = modelRef.input.name ?? floorSession.inputNames[0]!;
  const outputName = modelRef.output.name ?? floorSession.outputNames[0]!;
  await floorSession.run({ [inputName]: (await preprocess([warmup]))[0]! }, [outputName]);

  // The three take turns on chunks of 10 images and each one's time is summed: other
  // work on a shared machine comes and goes within minutes, and turns spread it evenly.
  let oursMs = 0;
  let peerMs = 0;
  let floorMs = 0;
  const peerBlobs: Blob[] = [];
  let failed = 0;
  const peerByFile = new Map<string, Blob>();
  for (let from = 0, turn = 0; from < files.length; from += CHUNK, turn++) {
    const chunk = files.slice(from, from + CHUNK);
    const ours = async () => {
      const t = performance.now();
      const run = await api(engine).removeBackground.wait(
        (await api(engine).removeBackground.start({ projectId: imported.projectId, assetIds: chunk.map((f) => assetOf.get(path.basename(f))!), options: { preset: 'cutout' }, modelId: MODEL })).runId,
      );
      oursMs += performance.now() - t;
      failed += run.failed + run.reused;
    };
    const peer = async () => {
      const t = performance.now();
      for (const file of chunk) peerByFile.set(file, await peerRemoveBackground(file, peerConfig));
      peerMs += performance.now() - t;
    };
    const floor = async () => {
      const tensors = await preprocess(chunk);
      const t = performance.now();
      for (const tensor of tensors) await floorSession.run({ [inputName]: tensor }, [outputName]);
      floorMs += performance.now() - t;
    };
    // Who goes first rotates, so no one always runs right after the others' garbage.
    const order = [ours, peer, floor];
    for (let i = 0; i < order.length; i++) await order[(i + turn) % order.length]!();
    log(`  images ${from + 1}–${from + chunk.length}: ours ${(oursMs / 1000).toFixed(1)} s, peer ${(peerMs / 1000).toFixed(1)} s, floor ${(floorMs / 1000).toFixed(1)} s so far`);
  }
  await floorSession.release();
  await pre.release();
  for (const file of files) peerBlobs.push(peerByFile.get(file)!);
  if (failed) throw new Error(`${failed} of our images failed or were reused; the timing would not be real`);

  const ourAlpha = new Map<string, Uint8Array>();
  for (const r of api(engine).removeBackground.results(imported.projectId)) {
    const source = api(engine).library.getAsset(r.sourceAssetId);
    ourAlpha.set(source.fileName, (await alphaOf(engine.store.pathOf(r.asset.sha256))).alpha);
  }
  await engine.close();
  log(`ours:  ${IMAGES} images in ${(oursMs / 1000).toFixed(1)} s (${provider}, ${threads} intra-op threads, the engine's queue batch → PNG cut-outs stored)`);
  log(`peer:  ${IMAGES} images in ${(peerMs / 1000).toFixed(1)} s (@imgly/background-removal-node, raw RGBA output, onnxruntime defaults)`);
  log(`floor: ${IMAGES} session.run calls in ${(floorMs / 1000).toFixed(1)} s`);

  const scores: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const ours = ourAlpha.get(path.basename(files[i]!));
    if (!ours) throw new Error(`no result of ours for ${files[i]}`);
    scores.push(iou(ours, await peerAlpha(peerBlobs[i]!)));
  }
  const meanIou = scores.reduce((a, b) => a + b, 0) / scores.length;

  const ips = (ms: number) => Number((IMAGES / (ms / 1000)).toFixed(3));
  log(`ours vs peer: ${(peerMs / oursMs).toFixed(2)}× (goal ≥ 1.5×); ours vs floor: ${(((oursMs - floorMs) / floorMs) * 100).toFixed(1)}% over (goal ≤ 15%)`);
  log(`mask IoU vs peer: mean ${meanIou.toFixed(4)}, min ${Math.min(...scores).toFixed(4)}`);
  console.log(
    JSON.stringify({
      bench: 'segment',
      images: IMAGES,
      provider,
      images_per_s: ips(oursMs),
      peer_images_per_s: ips(peerMs),
      floor_images_per_s: ips(floorMs),
      mean_iou_vs_peer: Number(meanIou.toFixed(4)),
    }),
  );
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
