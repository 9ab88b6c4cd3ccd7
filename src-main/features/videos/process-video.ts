/**
 * A whole video, as the `videos.process` job runs it: analyse (decode small, sample,
 * drop blurred and near-duplicate frames) → extract the kept frames at full size as PNG →
 * segment each with the caller's model → masks checked against their neighbours → the
 * primary image. Files go to `workDir`; the job moves them into the blob store and writes
 * rows (this module touches no database).
 *
 * Segmentation is a callback so this module does not reach into the engine: the job
 * passes `(rgb, w, h, signal) => engine.inference.segment(model, rgb, w, h, signal)`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { analyseVideo, type FrameMeasure, type VideoAnalysis } from './analyse.js';
import { clearedCutout, type CutoutMaker } from './cutout.js';
import { abortError } from './errors.js';
import { extractFrames } from './extract.js';
import { checkMaskConsistency, DEFAULT_CONSISTENCY, type ConsistencyOptions, type ConsistencyReport, type MaskVerdict } from './mask-consistency.js';
import { choosePrimary, type PrimaryScore } from './primary.js';
import type { SamplingOptions } from './sampling.js';

export type SegmentFn = (rgb: Uint8Array, width: number, height: number, signal?: AbortSignal) => Promise<{ mask: Uint8Array; width: number; height: number }>;

export type Stage = 'analyse' | 'extract' | 'segment' | 'check';

export interface ProcessOptions {
  ffmpeg: string;
  /** Where frames and cut-outs are written (created if missing). */
  workDir: string;
  segment: SegmentFn;
  /** Writes a frame's cut-out from its mask; default: the raw model alpha, colour cleared where it is 0. */
  makeCutout?: CutoutMaker;
  sampling?: Partial<SamplingOptions>;
  consistency?: Partial<ConsistencyOptions>;
  measure?: FrameMeasure;
  /** Longest side of the extracted frames; default full resolution. */
  frameMaxSide?: number;
  /** Masks are compared at this longest side. */
  maskCompareSide?: number;
  signal?: AbortSignal;
  onProgress?: (p: { stage: Stage; done: number; total: number }) => void;
}

export interface ProcessedFrame {
  index: number;
  time: number;
  scene: number;
  /** Full-size frame, PNG (RGB). */
  frame: string;
  /** The frame with the mask as alpha, PNG (RGBA). */
  cutout: string;
  width: number;
  height: number;
  sharpness: number;
  relativeSharpness: number;
  mask: MaskVerdict;
  primary: PrimaryScore;
}

export interface ProcessedVideo {
  analysis: VideoAnalysis;
  frames: ProcessedFrame[];
  /** Decode index of the chosen primary frame; null when no frame's mask is ok. */
  primary: number | null;
  consistency: ConsistencyReport;
  /** Wall time per stage, ms. */
  timings: Record<Stage, number>;
}

/** Resizes an 8-bit mask so its longest side is `longSide` (bilinear: keeps soft edges soft). */
export async function toCommonSize(mask: Uint8Array, width: number, height: number, longSide: number): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const scale = longSide / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const data = await sharp(mask, { raw: { width, height, channels: 1 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  if (data.length !== w * h) throw new Error(`resized mask has ${data.length} values, expected ${w}×${h}`);
  return { mask: new Uint8Array(data), width: w, height: h };
}

export async function processVideo(file: string, options: ProcessOptions): Promise<ProcessedVideo> {
  const { signal } = options;
  const timings: Record<Stage, number> = { analyse: 0, extract: 0, segment: 0, check: 0 };
  const clock = async <T>(stage: Stage, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] += performance.now() - t;
    }
  };
  await fs.mkdir(options.workDir, { recursive: true });

  const analysis = await clock('analyse', () =>
    analyseVideo(file, {
      ffmpeg: options.ffmpeg,
      sampling: options.sampling,
      measure: options.measure,
      signal,
      onProgress: (p) => options.onProgress?.({ stage: 'analyse', done: p.time, total: p.duration }),
    }),
  );
  const picks = analysis.sampling.picks;
  options.onProgress?.({ stage: 'extract', done: 0, total: picks.length });
  const extracted = await clock('extract', () => extractFrames(options.ffmpeg, file, analysis.probe, picks, path.join(options.workDir, 'frames'), { maxSide: options.frameMaxSide, signal }));

  const cutoutDir = path.join(options.workDir, 'cutouts');
  await fs.mkdir(cutoutDir, { recursive: true });
  // The size the consistency bounds were measured at (measure-masks.ts).
  const compareSide = options.maskCompareSide ?? 256;
  const small: Array<{ mask: Uint8Array; width: number; height: number }> = [];
  const cutouts: string[] = [];
  for (let k = 0; k < extracted.length; k++) {
    if (signal?.aborted) throw abortError();
    const e = extracted[k]!;
    options.onProgress?.({ stage: 'segment', done: k, total: extracted.length });
    const { data, info } = await sharp(e.file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // The segmenter may transfer the buffer to a worker: hand it one that owns its memory.
    const rgb = data.byteOffset === 0 && data.buffer.byteLength === data.length ? new Uint8Array(data.buffer) : new Uint8Array(data);
    const out = await clock('segment', () => options.segment(rgb, info.width, info.height, signal));
    if (out.width !== info.width || out.height !== info.height) throw new Error(`the segmenter returned a ${out.width}×${out.height} mask for a ${info.width}×${info.height} frame`);
    const cutout = path.join(cutoutDir, `cutout-n${e.index}.png`);
    await (options.makeCutout ?? clearedCutout)({ file: e.file, width: out.width, height: out.height }, out.mask, cutout);
    cutouts.push(cutout);
    small.push(await toCommonSize(out.mask, out.width, out.height, compareSide));
  }
  options.onProgress?.({ stage: 'segment', done: extracted.length, total: extracted.length });

  const pickByIndex = new Map(picks.map((p) => [p.index, p]));
  const t = performance.now();
  const consistency = checkMaskConsistency(
    extracted.map((e, k) => ({ id: e.index, scene: pickByIndex.get(e.index)!.scene, ...small[k]! })),
    { ...DEFAULT_CONSISTENCY, ...options.consistency },
  );
  const { primary, ranking } = choosePrimary(
    extracted.map((e, k) => ({ id: e.index, sharpness: pickByIndex.get(e.index)!.sharpness, shape: consistency.verdicts[k]!.shape, status: consistency.verdicts[k]!.status })),
  );
  timings.check = performance.now() - t;
  const scoreOf = new Map(ranking.map((r) => [r.id, r]));
  const frames: ProcessedFrame[] = extracted.map((e, k) => {
    const p = pickByIndex.get(e.index)!;
    return {
      index: e.index,
      time: e.time,
      scene: p.scene,
      frame: e.file,
      cutout: cutouts[k]!,
      width: e.width,
      height: e.height,
      sharpness: p.sharpness,
      relativeSharpness: p.relativeSharpness,
      mask: consistency.verdicts[k]!,
      primary: scoreOf.get(e.index)!,
    };
  });
  return { analysis, frames, primary, consistency, timings };
}
