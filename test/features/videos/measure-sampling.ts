/**
 * The measurements behind DEFAULT_SAMPLING (sampling.ts), on the test clips made from the
 * grocery-store photos, where the truth is known: shots, shaken frames, held-still spans.
 * Not a test: run it to see the figures.
 *
 *   node --import tsx test/features/videos/measure-sampling.ts
 *
 * Prints, per clip: the frame difference within shots and at cuts; blurred frames'
 * sharpness relative to their neighbourhood against everyone else's; dHash distances of a
 * held-still camera and of a moving one at several gaps; and coverage by cap: for every
 * usable frame, the dHash distance to the nearest kept frame (how well the kept frames
 * stand for the whole video), with the number kept.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { analyseVideo } from '../../../src-main/features/videos/analyse.js';
import { resolveFfmpeg } from '../../../src-main/features/videos/ffmpeg.js';
import { hamming, judgeFrames, type FrameFeatures } from '../../../src-main/features/videos/frame-quality.js';
import { DEFAULT_SAMPLING, detectScenes, sampleFrames } from '../../../src-main/features/videos/sampling.js';
import { defaultPlan, encodeClip, groceryMissing, longPlan, truthOf, type ClipPlan } from './make-video.js';

const missing = groceryMissing();
if (missing) {
  console.error(`measure-sampling needs the grocery-store photos: ${missing}`);
  process.exit(2);
}
const ffmpeg = (await resolveFfmpeg()).path;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-measure-sampling-'));
const fmt = (xs: number[], d = 2) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? `min ${s[0]!.toFixed(d)} median ${s[s.length >> 1]!.toFixed(d)} max ${s.at(-1)!.toFixed(d)} (n=${s.length})` : 'none';
};

try {
  for (const [name, plan] of [
    ['default (6.8 s)', defaultPlan()],
    ['long (18 s)', longPlan()],
  ] as Array<[string, ClipPlan]>) {
    const file = path.join(dir, `${name.split(' ')[0]}.mp4`);
    await encodeClip(ffmpeg, plan, [{ file, codec: 'h264' }]);
    const truth = truthOf(plan);
    const a = await analyseVideo(file, { ffmpeg });
    const f = a.frames;
    const cutAt = new Set(truth.shots.slice(1).map((s) => s.start));
    const blurred = new Set(truth.blurred);
    const held = (i: number) => truth.holds.some(([s, e]) => i >= s && i < e);
    console.log(`\n${name}: ${f.length} frames analysed at ${a.analysisSize.width}×${a.analysisSize.height}`);

    console.log(`  frame difference within shots: ${fmt(f.filter((x) => x.index > 0 && !cutAt.has(x.index)).map((x) => x.diff))}`);
    console.log(`  frame difference at cuts:      ${fmt(f.filter((x) => cutAt.has(x.index)).map((x) => x.diff))}`);
    const found = detectScenes(f, DEFAULT_SAMPLING).map((s) => s.start);
    console.log(`  scenes found at frames ${found.join(', ')}; true cuts at 0, ${[...cutAt].join(', ')}`);

    const ranges = truth.shots.map((s) => [s.start, s.end] as const);
    const { relativeSharpness } = judgeFrames(f, ranges, DEFAULT_SAMPLING);
    console.log(`  relative sharpness, shaken frames: ${fmt(relativeSharpness.filter((_, i) => blurred.has(i)))}`);
    console.log(`  relative sharpness, all others:    ${fmt(relativeSharpness.filter((_, i) => !blurred.has(i)))}`);

    const sameShot = (i: number, j: number) => truth.shots.some((s) => i >= s.start && j < s.end);
    const holdPairs: number[] = [];
    for (const [s, e] of truth.holds) for (let i = s; i < e; i++) for (let j = i + 1; j < e; j++) holdPairs.push(hamming(f[i]!.hash, f[j]!.hash));
    console.log(`  dHash, held-still camera (all pairs): ${fmt(holdPairs, 0)}`);
    for (const gap of [0.2, 0.4, 0.8]) {
      const k = Math.round(gap * plan.fps);
      const d: number[] = [];
      for (let i = 0; i + k < f.length; i++) if (sameShot(i, i + k) && !held(i + k) && !blurred.has(i) && !blurred.has(i + k)) d.push(hamming(f[i]!.hash, f[i + k]!.hash));
      console.log(`  dHash, moving camera, ${gap} s apart: ${fmt(d, 0)}`);
    }

    const usable = f.filter((x) => !blurred.has(x.index));
    for (const cap of [4, 6, 8, 10, 12, 16, 20, 24, 32, 48]) {
      const r = sampleFrames(f, { maxFrames: cap });
      const nearest = usable.map((x: FrameFeatures) => Math.min(...r.picks.map((p) => hamming(p.hash, x.hash))));
      const mean = nearest.reduce((s, v) => s + v, 0) / nearest.length;
      const p90 = [...nearest].sort((x, y) => x - y)[Math.floor(0.9 * (nearest.length - 1))]!;
      const shaken = r.picks.filter((p) => blurred.has(p.index)).length;
      console.log(`  cap ${String(cap).padStart(2)}: kept ${String(r.picks.length).padStart(2)}, dropped ${r.dropped.length} (${r.dropped.filter((d) => d.reason === 'near_duplicate').length} near-duplicates); nearest kept frame: mean ${mean.toFixed(2)} bits, p90 ${p90}; shaken frames kept: ${shaken}`);
    }
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
