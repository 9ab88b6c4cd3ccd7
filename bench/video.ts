/**
 * bench:video — a product video to frames and cut-outs, end to end, against its floor:
 *   ours:  processVideo(): probe, decode every frame small and measure it (worker thread),
 *          scene-aware sampling with the blur and near-duplicate filters, the kept frames
 *          decoded again at full size to PNG, each segmented by the engine's inference
 *          runtime with the default background-removal model, cut-outs written as PNG,
 *          masks checked against their neighbours, the primary chosen; then what the
 *          videos.process job adds: each kept frame and cut-out stored through the ingest pool;
 *   floor: ffmpeg's bare decode of the video (`-f null`), plus bare session.run of the same
 *          model on the kept frames with their inputs already preprocessed.
 * The floor's model run for each frame happens right after ours for that frame (inside the
 * segment callback, off our clock), so load from other work on a shared machine falls on
 * both alike. The video is made from grocery-store photos (test/features/videos/make-video.ts):
 * 6.8 s, 640×360, three shots, a shake, a hold. The model takes 15–40 s a frame on a 2-core
 * CPU, so the cap is 10 frames by default.
 *
 *   npm run bench:video [-- --model isnet-imgly-small] [--max-frames N] [--plan long]
 *
 * Prints a summary, then one JSON line (the last line). Frames and cut-outs stay in
 * .bench/video/ to look at.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { openEngine } from '../src-main/features/index.js';
import { buildPreprocessModel, PRE_INPUT, PRE_OUTPUT } from '../src-main/engine/inference/onnx-graph.js';
import { sessionOptions } from '../src-main/engine/inference/sessions.js';
import { modelsFeature } from '../src-main/features/models/public.js';
import { createMeasurePool } from '../src-main/features/videos/analyse.js';
import { resolveFfmpeg } from '../src-main/features/videos/ffmpeg.js';
import { processVideo } from '../src-main/features/videos/process-video.js';
import { defaultPlan, encodeClip, groceryMissing, longPlan } from '../test/features/videos/make-video.js';

const { values: args } = parseArgs({
  options: { model: { type: 'string' }, 'max-frames': { type: 'string', default: '10' }, plan: { type: 'string', default: 'default' } },
});
const missing = groceryMissing();
if (missing) {
  console.error(`bench:video needs the grocery-store photos: ${missing}`);
  process.exit(2);
}
const maxFrames = Number(args['max-frames']);
if (!Number.isInteger(maxFrames) || maxFrames < 1) throw new Error(`--max-frames must be a positive integer`);
const log = (line: string) => console.log(line);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

const ffmpeg = await resolveFfmpeg();
const out = path.resolve('.bench/video');
await fs.rm(out, { recursive: true, force: true });
await fs.mkdir(out, { recursive: true });
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-bench-video-'));

/** ffmpeg decoding every frame and throwing it away: the least any reader of the video pays. */
async function bareDecode(file: string): Promise<number> {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpeg.path, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-map', '0:v:0', '-f', 'null', '-'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg -f null exited with ${code}`))));
  });
  return performance.now() - t;
}

const engine = await openEngine({ dataDir: path.join(work, 'data') });
const measure = createMeasurePool();
try {
  const plan = args.plan === 'long' ? longPlan() : defaultPlan();
  const video = path.join(out, 'bench.mp4');
  await encodeClip(ffmpeg.path, plan, [{ file: video, codec: 'h264' }]);
  const models = engine.use(modelsFeature);
  const modelId = args.model ?? models.defaultId('background-removal');
  const model = await models.resolve(modelId);
  const threads = engine.inference.config.intraOpThreads;
  log(`video: ${path.relative(process.cwd(), video)} (${(plan.shots.reduce((n, s) => n + s.frames, 0) / plan.fps).toFixed(1)} s, ${plan.width}×${plan.height}, ${plan.fps} fps); ffmpeg: ${ffmpeg.source}, ${ffmpeg.version.split(' ').slice(0, 3).join(' ')}`);
  log(`model: ${modelId}; cap ${maxFrames} frames; ${threads} intra-op threads`);

  // One-time costs before any clock: ours loads its session in the inference worker, the
  // floor creates its own session and the preprocessing graph (the floor's inputs are
  // preprocessed off its clock).
  const [mw, mh] = model.input.size;
  await engine.inference.segment(model, new Uint8Array(plan.width * plan.height * 3).fill(127), plan.width, plan.height);
  const provider = engine.inference.provider ?? 'cpu';
  const pre = await ort.InferenceSession.create(
    buildPreprocessModel({ width: mw, height: mh, resize: model.input.resize, colorOrder: model.input.colorOrder, mean: model.input.mean, std: model.input.std, layout: model.input.layout }),
    sessionOptions('cpu', threads),
  );
  let floorSession: ort.InferenceSession;
  try {
    floorSession = await ort.InferenceSession.create(model.path, sessionOptions(provider, threads));
  } catch {
    floorSession = await ort.InferenceSession.create(model.path, sessionOptions('cpu', threads));
  }
  const inputName = model.input.name ?? floorSession.inputNames[0]!;
  const outputName = model.output.name ?? floorSession.outputNames[0]!;
  const preprocess = async (rgb: Uint8Array, w: number, h: number) => (await pre.run({ [PRE_INPUT]: new ort.Tensor('uint8', rgb, [1, h, w, 3]) }))[PRE_OUTPUT]!;
  await floorSession.run({ [inputName]: await preprocess(new Uint8Array(plan.width * plan.height * 3).fill(127), plan.width, plan.height) }, [outputName]);
  await bareDecode(video);

  const decodeBefore = await bareDecode(video);
  let floorModelMs = 0;
  let offClockMs = 0;
  let ourModelMs = 0;
  let segmented = 0;
  const t0 = performance.now();
  const result = await processVideo(video, {
    ffmpeg: ffmpeg.path,
    workDir: path.join(out, 'work'),
    sampling: { maxFrames },
    measure: measure.measure,
    segment: async (rgb, w, h, signal) => {
      const off = performance.now();
      const copy = new Uint8Array(rgb); // ours transfers its buffer to the inference worker
      offClockMs += performance.now() - off;
      const t = performance.now();
      const mask = await engine.inference.segment(model, rgb, w, h, signal);
      ourModelMs += performance.now() - t;
      // The floor for this frame, now, off our clock.
      const f0 = performance.now();
      const input = await preprocess(copy, w, h);
      const f1 = performance.now();
      const output = await floorSession.run({ [inputName]: input }, [outputName]);
      const f2 = performance.now();
      floorModelMs += f2 - f1;
      for (const v of Object.values(output)) v.dispose();
      input.dispose();
      offClockMs += f2 - f0;
      log(`  frame ${++segmented} segmented: ours ${seconds(f0 - t)} s, floor ${seconds(f2 - f1)} s`);
      return mask;
    },
  });
  // What the videos.process job adds after processVideo: each kept frame and cut-out checked,
  // stored and thumbnailed by core's ingest pool (the rows are one transaction, not timed).
  const s0 = performance.now();
  for (const f of result.frames) {
    if (f.mask.status === 'dropped') continue;
    for (const file of [f.frame, f.cutout]) {
      const stored = await engine.images.ingest(file);
      if (!stored.ok) throw new Error(`ingest refused ${file}: ${stored.reason}`);
    }
  }
  const storeMs = performance.now() - s0;
  const oursMs = performance.now() - t0 - offClockMs;
  const decodeAfter = await bareDecode(video);
  const floorDecodeMs = (decodeBefore + decodeAfter) / 2;
  const floorMs = floorDecodeMs + floorModelMs;
  await floorSession.release();
  await pre.release();

  const a = result.analysis;
  const kept = result.frames.length;
  log('');
  log(`decoded ${a.frames.length} frames (${a.probe.width}×${a.probe.height} ${a.probe.codec}), ${a.sampling.scenes.length} scenes; kept ${kept} (cap ${maxFrames})`);
  log(`  dropped: ${a.sampling.rejected.blurred.length} blurred frames (${a.sampling.rejected.blurred.join(', ') || 'none'}); ${a.sampling.dropped.map((d) => `n${d.index} ${d.reason} (${d.detail})`).join('; ') || 'no picks dropped'}`);
  log(`  kept: ${result.frames.map((f) => `n${f.index}@${f.time.toFixed(2)}s scene ${f.scene} ${f.mask.status}${f.index === result.primary ? ' PRIMARY' : ''}`).join(', ')}`);
  for (const f of result.frames) if (f.mask.reasons.length) log(`  n${f.index}: ${f.mask.reasons.join('; ')}`);
  const aligned = result.consistency.pairs.map((p) => p.aligned);
  const raw = result.consistency.pairs.map((p) => p.raw);
  const range = (xs: number[]) => (xs.length ? `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}` : 'n/a');
  log(`  neighbouring masks (real model): aligned IoU ${range(aligned)}, raw IoU ${range(raw)}; threshold ${result.consistency.threshold.toFixed(3)}`);
  log(`  primary: n${result.primary} (${result.frames.find((f) => f.index === result.primary)?.primary.score.toFixed(3) ?? 'none'})`);
  log('');
  const t = result.timings;
  // The segment stage's clock ran through the floor's turns too: take them out.
  const segmentMs = t.segment - offClockMs;
  log(`ours:  ${seconds(oursMs)} s  (analyse ${seconds(t.analyse)}, extract ${seconds(t.extract)}, segment ${seconds(segmentMs)} of which the model ${seconds(ourModelMs)}, check ${seconds(t.check)}, store ${seconds(storeMs)}; ${provider})`);
  log(`floor: ${seconds(floorMs)} s  (bare decode ${seconds(floorDecodeMs)}, bare session.run ×${kept} ${seconds(floorModelMs)})`);
  log(`ours vs floor: ${(oursMs / floorMs).toFixed(3)}× (${(((oursMs - floorMs) / floorMs) * 100).toFixed(1)}% over); model share of ours ${((ourModelMs / oursMs) * 100).toFixed(1)}%`);
  log(`frames and cut-outs: ${path.relative(process.cwd(), path.join(out, 'work'))}`);
  console.log(
    JSON.stringify({
      bench: 'video',
      model: modelId,
      provider,
      frames_decoded: a.frames.length,
      frames_kept: kept,
      seconds: Number((oursMs / 1000).toFixed(2)),
      floor_seconds: Number((floorMs / 1000).toFixed(2)),
      ratio: Number((oursMs / floorMs).toFixed(3)),
      analyse_seconds: Number((t.analyse / 1000).toFixed(2)),
      extract_seconds: Number((t.extract / 1000).toFixed(2)),
      segment_seconds: Number((segmentMs / 1000).toFixed(2)),
      store_seconds: Number((storeMs / 1000).toFixed(2)),
      model_seconds: Number((ourModelMs / 1000).toFixed(2)),
      floor_decode_seconds: Number((floorDecodeMs / 1000).toFixed(2)),
      floor_model_seconds: Number((floorModelMs / 1000).toFixed(2)),
    }),
  );
} finally {
  await measure.close();
  await engine.close();
  await fs.rm(work, { recursive: true, force: true });
}
