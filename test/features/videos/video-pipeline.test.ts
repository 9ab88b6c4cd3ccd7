/**
 * Probe, decode, sampling, quality filters, extraction and failures on clips made at test
 * time from the grocery-store photos (make-video.ts), where the truth is known.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseVideo, createMeasurePool, type VideoAnalysis } from '../../../src-main/features/videos/analyse.js';
import { streamFrames, type RawFrame } from '../../../src-main/features/videos/decode.js';
import { VideoInputError } from '../../../src-main/features/videos/errors.js';
import { extractFrames } from '../../../src-main/features/videos/extract.js';
import { resolveFfmpeg } from '../../../src-main/features/videos/ffmpeg.js';
import { dropNearDuplicates } from '../../../src-main/features/videos/frame-quality.js';
import { probeVideo } from '../../../src-main/features/videos/probe.js';
import { processVideo } from '../../../src-main/features/videos/process-video.js';
import { sampleFrames } from '../../../src-main/features/videos/sampling.js';
import { tempDir } from '../../helpers/tmp.js';
import { groceryMissing, makeTestVideos, type TestVideos } from './make-video.js';

let ffmpeg: string | null = null;
let skip = groceryMissing();
if (!skip) {
  try {
    ffmpeg = (await resolveFfmpeg()).path;
  } catch (err) {
    skip = `no ffmpeg: ${(err as Error).message}`;
  }
}
if (skip) console.warn(`[videos] video pipeline tests skipped: ${skip}`);

/** Every frame of a video at a bounded size. */
async function decodeAll(file: string, maxSide: number): Promise<RawFrame[]> {
  const probe = await probeVideo(ffmpeg!, file);
  const frames: RawFrame[] = [];
  for await (const f of streamFrames(ffmpeg!, file, probe, { maxSide })) frames.push(f);
  return frames;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** The ffmpeg processes this test process has (running or zombie), from /proc. */
function ffmpegChildren(): number[] {
  const out: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid ...
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (m && m[1] === 'ffmpeg' && Number(m[3]) === process.pid) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe.skipIf(!!skip)('videos: decode, sample, filter, extract', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let v: TestVideos;
  let mp4: VideoAnalysis;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-videos-'));
    v = await makeTestVideos(ffmpeg!, path.join(dir, 'clips'));
    mp4 = await analyseVideo(v.mp4, { ffmpeg: ffmpeg! });
  }, 300_000);
  afterAll(() => cleanup?.());

  it('probes duration, frame rate, size, codec and rotation', async () => {
    const t = v.truth;
    const h264 = await probeVideo(ffmpeg!, v.mp4);
    expect(h264).toMatchObject({ fps: t.fps, width: t.width, height: t.height, displayWidth: t.width, displayHeight: t.height, codec: 'h264', rotation: 0, pixelFormat: 'yuv420p' });
    expect(h264.duration).toBeCloseTo(t.duration, 1);
    const vp9 = await probeVideo(ffmpeg!, v.webm);
    expect(vp9).toMatchObject({ codec: 'vp9', fps: t.fps, width: t.width, height: t.height, rotation: 0 });
    expect(vp9.container).toMatch(/webm/);
    expect(vp9.duration).toBeCloseTo(t.duration, 1);
    const upright = await probeVideo(ffmpeg!, v.rotated);
    // ffmpeg 4.1's muxer stores `rotate=90` as a display matrix it reads back as 270;
    // whichever it is, the display size swaps.
    expect([90, 270]).toContain(upright.rotation);
    expect(upright).toMatchObject({ width: t.width, height: t.height, displayWidth: t.height, displayHeight: t.width });
  });

  it('streams every frame at the bounded size, with presentation times, for H.264 and VP9', async () => {
    for (const file of [v.mp4, v.webm]) {
      const frames = await decodeAll(file, 320);
      expect(frames).toHaveLength(v.truth.frameCount);
      expect(frames.every((f) => f.width === 320 && f.height === 180 && f.rgb.length === 320 * 180 * 3)).toBe(true);
      frames.forEach((f, i) => {
        expect(f.index).toBe(i);
        expect(f.time).toBeCloseTo(i / v.truth.fps, 3);
      });
    }
  });

  it('honours rotation metadata: frames come out turned as the probe says', async () => {
    const plain = await decodeAll(v.mp4, 320);
    const turned = await decodeAll(v.rotated, 320);
    const rotation = (await probeVideo(ffmpeg!, v.rotated)).rotation;
    expect(turned[0]).toMatchObject({ width: 180, height: 320 });
    for (const k of [10, 80, 150]) {
      const src = sharp(Buffer.from(plain[k]!.rgb), { raw: { width: 320, height: 180, channels: 3 } });
      const expected = await src.clone().rotate(rotation).raw().toBuffer();
      const opposite = await src.clone().rotate((rotation + 180) % 360).raw().toBuffer();
      const same = meanAbsDiff(turned[k]!.rgb, new Uint8Array(expected));
      expect(same).toBeLessThan(2);
      expect(meanAbsDiff(turned[k]!.rgb, new Uint8Array(opposite))).toBeGreaterThan(same * 5);
    }
  });

  it('finds the scenes where the shots cut, and samples every scene within the cap', async () => {
    expect(mp4.sampling.scenes.map((s) => s.start)).toEqual(v.truth.shots.map((s) => s.start));
    const picks = mp4.sampling.picks;
    expect(picks.length).toBeGreaterThanOrEqual(v.truth.shots.length);
    expect(picks.length).toBeLessThanOrEqual(mp4.options.maxFrames);
    for (const shot of v.truth.shots) expect(picks.some((p) => p.index >= shot.start && p.index < shot.end)).toBe(true);
    for (const cap of [1, 3, 5, 8]) {
      const capped = sampleFrames(mp4.frames, { maxFrames: cap });
      expect(capped.picks.length).toBeLessThanOrEqual(cap);
      expect(capped.picks.length).toBeGreaterThanOrEqual(Math.min(cap, v.truth.shots.length) - capped.dropped.filter((d) => d.reason === 'near_duplicate').length);
      // One per scene first, while the cap allows.
      if (cap >= v.truth.shots.length) expect(new Set(capped.picks.map((p) => p.scene)).size).toBe(v.truth.shots.length);
    }
    // Picks keep their spacing and order.
    for (let i = 1; i < picks.length; i++) expect(picks[i]!.time - picks[i - 1]!.time).toBeGreaterThanOrEqual(mp4.options.minSpacingSeconds - 1e-9);
  });

  it('judges the shaken frames blurred against their own scene, and never keeps them', async () => {
    expect(mp4.sampling.rejected.blurred).toEqual(v.truth.blurred);
    // Even sampling densely, where a stretch holds little but the shake.
    const dense = sampleFrames(mp4.frames, { maxFrames: 80, minSpacingSeconds: 0.04, duplicateMaxDistance: -1 });
    expect(dense.picks.length).toBeGreaterThan(40);
    expect(dense.picks.filter((p) => v.truth.blurred.includes(p.index))).toEqual([]);
    // The pan over a soft in-store photo is far less sharp than the product shots, yet none of it is "blurred".
    const pan = v.truth.shots[1]!;
    const panSharpness = mp4.frames.slice(pan.start, pan.end).map((f) => f.sharpness);
    const productSharpness = mp4.frames.slice(0, v.truth.shots[0]!.end).map((f) => f.sharpness);
    expect(Math.min(...panSharpness)).toBeLessThan(0.7 * Math.min(...productSharpness));
    expect(mp4.sampling.rejected.blurred.some((i) => i >= pan.start && i < pan.end)).toBe(false);
  });

  it('drops near-duplicate frames: a held-still camera gives one frame', async () => {
    const [holdStart, holdEnd] = v.truth.holds[0]!;
    const inHold = (i: number) => i >= holdStart && i < holdEnd;
    const held = mp4.frames.filter((f) => inHold(f.index));
    expect(dropNearDuplicates(held, mp4.options.duplicateMaxDistance).kept).toHaveLength(1);
    // A moving stretch of the same length keeps several.
    const moving = mp4.frames.slice(0, holdEnd - holdStart).filter((_, i) => i % 5 === 0);
    expect(dropNearDuplicates(moving, mp4.options.duplicateMaxDistance).kept.length).toBeGreaterThan(2);
    // In the sampled result: at most one frame of the hold, and the others named as duplicates.
    const dense = sampleFrames(mp4.frames, { maxFrames: 60, minSpacingSeconds: 0.1 });
    expect(dense.picks.filter((p) => inHold(p.index)).length).toBeLessThanOrEqual(1);
    const dupes = dense.dropped.filter((d) => d.reason === 'near_duplicate' && inHold(d.index));
    expect(dupes.length).toBeGreaterThanOrEqual(2);
    expect(dupes[0]!.detail).toMatch(/\d+ bits from frame \d+/);
  });

  it('extracts the kept frames at full resolution, exactly the frames analysed', async () => {
    const picks = mp4.sampling.picks.slice(0, 4);
    const out = await extractFrames(ffmpeg!, v.mp4, mp4.probe, picks, path.join(dir, 'extract'));
    expect(out.map((o) => o.index)).toEqual(picks.map((p) => p.index).sort((a, b) => a - b));
    const full = await decodeAll(v.mp4, 640);
    for (const o of out) {
      const { data, info } = await sharp(o.file).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([640, 360, 3]);
      const same = meanAbsDiff(new Uint8Array(data), full[o.index]!.rgb);
      expect(same).toBeLessThan(0.5);
      // …and not merely a similar frame of the same shot.
      expect(meanAbsDiff(new Uint8Array(data), full[o.index + 3]!.rgb)).toBeGreaterThan(same + 0.5);
    }
  });

  it('runs the same analysis with the measuring in a worker thread', async () => {
    const pool = createMeasurePool();
    try {
      const inWorker = await analyseVideo(v.mp4, { ffmpeg: ffmpeg!, measure: pool.measure });
      expect(inWorker.frames).toEqual(mp4.frames);
      expect(inWorker.sampling.picks).toEqual(mp4.sampling.picks);
    } finally {
      await pool.close();
    }
  });

  it('a truncated video fails with ffmpeg\'s reason; so do a lost index and garbage', async () => {
    const truncated = await analyseVideo(v.truncated, { ffmpeg: ffmpeg! }).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(VideoInputError);
    expect(truncated).toMatchObject({ kind: 'truncated', code: 'video_input' });
    expect((truncated as Error).message).toMatch(/picture stops at \d+\.\d+ s of 6\.80 s/);
    expect((truncated as VideoInputError).ffmpegReason).toMatch(/partial file|Invalid NAL|corrupt/i);

    const noIndex = await analyseVideo(v.truncatedNoIndex, { ffmpeg: ffmpeg! }).catch((e: unknown) => e);
    expect(noIndex).toMatchObject({ kind: 'unreadable' });
    expect((noIndex as VideoInputError).ffmpegReason).toMatch(/moov atom not found/);

    const garbage = await analyseVideo(v.garbage, { ffmpeg: ffmpeg! }).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(VideoInputError);
    expect(garbage).toMatchObject({ kind: 'unreadable' });
    expect((garbage as Error).message).toContain(v.garbage);
    expect((garbage as VideoInputError).ffmpegReason).toMatch(/Invalid data|moov atom not found/);

    const absent = await analyseVideo(path.join(dir, 'nope.mp4'), { ffmpeg: ffmpeg! }).catch((e: unknown) => e);
    expect(absent).toMatchObject({ kind: 'not_found' });
  });

  it('abort kills ffmpeg mid-decode and leaves no process behind (not even a zombie)', async () => {
    expect(ffmpegChildren()).toEqual([]);
    const controller = new AbortController();
    const pids: number[] = [];
    let seenWhileRunning: number[] = [];
    const run = analyseVideo(v.webm, {
      ffmpeg: ffmpeg!,
      signal: controller.signal,
      onSpawn: (pid) => pids.push(pid),
      onProgress: (p) => {
        if (p.frames >= 10 && !controller.signal.aborted) {
          seenWhileRunning = ffmpegChildren();
          controller.abort();
        }
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(pids).toHaveLength(1);
    expect(seenWhileRunning).toEqual(pids);
    expect(fs.existsSync(`/proc/${pids[0]}`)).toBe(false);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('stopping a frame stream early stops ffmpeg too', async () => {
    const probe = await probeVideo(ffmpeg!, v.mp4);
    let pid = 0;
    let n = 0;
    for await (const _ of streamFrames(ffmpeg!, v.mp4, probe, { maxSide: 320, onSpawn: (p) => (pid = p) })) if (++n === 5) break;
    expect(pid).toBeGreaterThan(0);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('processes a video end to end with a stand-in segmenter: frames, cut-outs, verdicts, a primary', async () => {
    // Not the model (bench:video runs the real one): a fixed ellipse in the frame's middle,
    // so the plumbing (PNG frames, alpha in the cut-outs, masks compared, primary chosen) is checked in seconds.
    const ellipse = async (_rgb: Uint8Array, w: number, h: number) => {
      const mask = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - w / 2) / (w * 0.25)) ** 2 + ((y - h / 2) / (h * 0.35)) ** 2 <= 1) mask[y * w + x] = 255;
      return { mask, width: w, height: h };
    };
    const work = path.join(dir, 'process');
    const result = await processVideo(v.mp4, { ffmpeg: ffmpeg!, workDir: work, segment: ellipse, sampling: { maxFrames: 5 } });
    expect(result.frames.length).toBeGreaterThanOrEqual(3);
    expect(result.frames.length).toBeLessThanOrEqual(5);
    for (const f of result.frames) {
      const meta = await sharp(f.cutout).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([640, 360, 4]);
      const { data } = await sharp(f.cutout).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
      expect(data[180 * 640 + 320]).toBe(255);
      expect(data[5 * 640 + 5]).toBe(0);
      expect(f.mask.status).toBe('ok');
    }
    expect(result.primary).not.toBeNull();
    expect(result.frames.map((f) => f.index)).toContain(result.primary);
    expect(result.consistency.pairs.every((p) => p.aligned > 0.99)).toBe(true);
  });
});
