/**
 * Small videos for the feature's tests. testPattern needs only ffmpeg (lavfi's test
 * source), so tests of adding, watching and failures run on a machine without the
 * grocery photos; stillShotsPlan is a tripod clip of two products (make-video.ts), where
 * each scene holds still and gives one frame to segment, which keeps model time short.
 */
import { resolveFfmpeg, runCaptured } from '../../../src-main/features/videos/ffmpeg.js';
import { defaultPlan, type ClipPlan, type Shot } from './make-video.js';

/** ffmpeg's path, or why tests needing it are skipped. */
export async function findFfmpeg(): Promise<{ path: string | null; skip: string | null }> {
  try {
    return { path: (await resolveFfmpeg()).path, skip: null };
  } catch (err) {
    return { path: null, skip: `no ffmpeg: ${(err as Error).message}` };
  }
}

/** A moving test pattern with a frame counter (H.264 in MP4), `seconds` long. */
export async function testPattern(ffmpeg: string, file: string, options: { seconds?: number; size?: string; rate?: number } = {}): Promise<void> {
  const res = await runCaptured(ffmpeg, [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=duration=${options.seconds ?? 2}:size=${options.size ?? '320x240'}:rate=${options.rate ?? 25}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  if (res.code !== 0) throw new Error(`ffmpeg could not make a test pattern: ${res.stderr.slice(-500)}`);
}

/** Two products, each filmed from a tripod for 0.8 s (a cut between them). */
export function stillShotsPlan(): ClipPlan {
  const base = defaultPlan();
  const products = base.shots.filter((s): s is Extract<Shot, { kind: 'product' }> => s.kind === 'product');
  return {
    ...base,
    shots: products.map((s) => ({ ...s, frames: 20, blur: undefined, holdFrom: 1 })),
  };
}
