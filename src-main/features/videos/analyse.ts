/**
 * The analysis pass: probe → stream every frame at a small size → measure each (sharpness,
 * dHash, coarse thumbnail) → sample scene-aware with the cap → blur and near-duplicate
 * filters. Nothing full-size is held: a frame lives from the pipe to its measurement.
 *
 * ffmpeg decodes in its own process; the per-pixel measuring runs wherever the
 * `measure` function sends it: createMeasurePool() puts it on a worker thread (the
 * engine's choice), inlineMeasure keeps it in the calling thread (CLI, tests).
 */
import os from 'node:os';
import path from 'node:path';
import { WorkerPool } from '../../engine/workers/pool.js';
import { streamFrames, type StreamSummary } from './decode.js';
import { abortError } from './errors.js';
import type { MeasureRequest } from './frame-measure-worker.js';
import { frameDifference, frameStats, type FrameFeatures, type FrameStats } from './frame-quality.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { DEFAULT_SAMPLING, sampleFrames, type SamplingOptions, type SamplingResult } from './sampling.js';

/** Measures one analysis frame; may take ownership of `rgb` (it is not used after the call). */
export type FrameMeasure = (rgb: Uint8Array, width: number, height: number) => Promise<FrameStats>;

export const inlineMeasure: FrameMeasure = async (rgb, width, height) => frameStats(rgb, width, height);

/** A worker-thread measure (the frame buffer is transferred, not copied). Close it with the engine. */
export function createMeasurePool(size = 1): { measure: FrameMeasure; close: () => Promise<void> } {
  const ext = path.extname(new URL(import.meta.url).pathname);
  const pool = new WorkerPool<MeasureRequest, FrameStats>(new URL(`./frame-measure-worker${ext}`, import.meta.url), {
    size: Math.max(1, Math.min(size, os.availableParallelism())),
    name: 'video-measure',
  });
  return {
    measure: (rgb, width, height) => pool.run({ rgb, width, height }, { transfer: [rgb.buffer as ArrayBuffer] }),
    close: () => pool.close(),
  };
}

/**
 * Analysis frames' longest side. 320 px keeps a shake's blur several pixels wide (a 25 px
 * smear at 640 px is 12 px here) while a frame is 170 KB and measures in ~3 ms.
 */
export const ANALYSIS_MAX_SIDE = 320;

export interface AnalyseOptions {
  ffmpeg: string;
  sampling?: Partial<SamplingOptions>;
  analysisMaxSide?: number;
  measure?: FrameMeasure;
  signal?: AbortSignal;
  /** About every 250 ms of video: frames measured so far and how far into the video. */
  onProgress?: (p: { frames: number; time: number; duration: number }) => void;
  onSpawn?: (pid: number) => void;
}

export interface VideoAnalysis {
  file: string;
  probe: VideoProbe;
  analysisSize: { width: number; height: number };
  frames: FrameFeatures[];
  decode: StreamSummary;
  sampling: SamplingResult;
  options: SamplingOptions;
}

/** Frames measured ahead of the one being compared: enough to keep the worker busy, few enough to bound memory. */
const IN_FLIGHT = 4;

export async function analyseVideo(file: string, options: AnalyseOptions): Promise<VideoAnalysis> {
  const { signal } = options;
  const sampling: SamplingOptions = { ...DEFAULT_SAMPLING, ...options.sampling };
  const measure = options.measure ?? inlineMeasure;
  const probe = await probeVideo(options.ffmpeg, file, signal);
  const frames: FrameFeatures[] = [];
  const pending: Array<{ index: number; time: number; stats: Promise<FrameStats> }> = [];
  let previous: Float32Array | null = null;
  let lastReport = -Infinity;
  let size = { width: 0, height: 0 };

  const settle = async () => {
    const next = pending.shift()!;
    const s = await next.stats;
    frames.push({ index: next.index, time: next.time, sharpness: s.sharpness, hash: s.hash, brightness: s.brightness, diff: previous ? frameDifference(previous, s.thumb) : 0 });
    previous = s.thumb;
    if (next.time - lastReport >= 0.25) {
      lastReport = next.time;
      options.onProgress?.({ frames: frames.length, time: next.time, duration: probe.duration });
    }
  };

  const stream = streamFrames(options.ffmpeg, file, probe, { maxSide: options.analysisMaxSide ?? ANALYSIS_MAX_SIDE, signal, onSpawn: options.onSpawn });
  let summary: StreamSummary;
  try {
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        summary = next.value;
        break;
      }
      const f = next.value;
      size = { width: f.width, height: f.height };
      pending.push({ index: f.index, time: f.time, stats: measure(f.rgb, f.width, f.height) });
      if (pending.length >= IN_FLIGHT) await settle();
    }
    while (pending.length) await settle();
  } catch (err) {
    // Measurements still in flight must not surface later as unhandled rejections.
    for (const p of pending) p.stats.catch(() => undefined);
    // Stops ffmpeg when the failure was ours (a measurement), not the stream's.
    await stream.return({ frames: frames.length, decodedUntil: 0, damageReported: null });
    throw err;
  }
  if (signal?.aborted) throw abortError();
  const result = sampleFrames(frames, sampling);
  return { file, probe, analysisSize: size, frames, decode: summary, sampling: result, options: sampling };
}
