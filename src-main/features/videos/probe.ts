/**
 * What a video is (duration, frame rate, size, codec, rotation), read from what
 * `ffmpeg -i FILE` prints: there is no ffprobe binary beside the @ffmpeg-installer one,
 * and ffmpeg's input summary has kept the same shape from 4.x to 7.x. Rotation comes
 * from the display matrix ("displaymatrix: rotation of -90.00 degrees", every version)
 * or the older `rotate` tag (4.x).
 */
import fs from 'node:fs/promises';
import { runCaptured } from './ffmpeg.js';
import { abortError, ffmpegReason, VideoInputError } from './errors.js';

export interface VideoProbe {
  /** Seconds; from the container, or from a stream-copy pass when the container has none. */
  duration: number;
  /** Average frame rate ffmpeg reports for the stream (fps, else tbr); null when it gives none. */
  fps: number | null;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Sample aspect ratio (1 for square pixels, as phones record). */
  sar: number;
  /** Size as shown: rotation and pixel aspect applied. */
  displayWidth: number;
  displayHeight: number;
  codec: string;
  pixelFormat: string | null;
  /** Clockwise degrees to turn the coded picture for display: 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270;
  container: string;
  /** The stream ffmpeg maps by `-map 0:v:N`. */
  videoStreamIndex: number;
}

export async function probeVideo(ffmpeg: string, file: string, signal?: AbortSignal): Promise<VideoProbe> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new VideoInputError('not_found', `${file} is not a file`);
  } catch (err) {
    if (err instanceof VideoInputError) throw err;
    throw new VideoInputError('not_found', `${file} cannot be opened: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const res = await runCaptured(ffmpeg, ['-hide_banner', '-nostdin', '-i', file], { signal, timeoutMs: 60_000 });
  if (signal?.aborted) throw abortError();
  const parsed = parseProbe(res.stderr);
  if (!parsed) {
    const reason = ffmpegReason(res.stderr);
    if (/No video stream|Input #/.test(res.stderr)) throw new VideoInputError('no_video', `${file} has no video stream`, reason || null);
    throw new VideoInputError('unreadable', `ffmpeg cannot read ${file} as a video: ${reason || 'no reason given'}`, reason || null);
  }
  if (parsed.duration === null || parsed.duration <= 0) {
    parsed.duration = await durationByCopy(ffmpeg, file, parsed.videoStreamIndex, signal);
  }
  return parsed as VideoProbe;
}

type Parsed = Omit<VideoProbe, 'duration'> & { duration: number | null };

/** Parses `ffmpeg -i` stderr; null when it shows no input with a video stream. */
export function parseProbe(stderr: string): Parsed | null {
  const lines = stderr.split(/\r?\n/);
  const inputLine = lines.find((l) => /^Input #0, /.test(l));
  if (!inputLine) return null;
  const container = /^Input #0, (.+?), from /.exec(inputLine)?.[1] ?? 'unknown';
  const durationMatch = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  const duration = durationMatch ? Number(durationMatch[1]) * 3600 + Number(durationMatch[2]) * 60 + Number(durationMatch[3]) : null;

  let videoOrdinal = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const stream = /^\s*Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (\w+): (.*)$/.exec(line);
    if (!stream) continue;
    if (stream[1] !== 'Video') continue;
    videoOrdinal++;
    const body = stream[2]!;
    // Cover art in an audio or video file is a one-picture "video" stream; not the video.
    if (/\(attached pic\)/.test(body)) continue;
    const codec = /^([\w-]+)/.exec(body)?.[1] ?? 'unknown';
    // Width×height standing alone (a space or comma before, a space, comma or "[" after), so
    // "(avc1 / 0x31637661)" (a fourcc, ")" after) is not taken for a size, and an 8×8 video is.
    const size = /(?:^|[\s,])(\d{1,5})x(\d{1,5})(?=$|[\s,[])/.exec(body);
    if (!size) continue;
    const width = Number(size[1]);
    const height = Number(size[2]);
    const sarMatch = /SAR (\d+):(\d+)/.exec(body);
    const sar = sarMatch && Number(sarMatch[1]) > 0 && Number(sarMatch[2]) > 0 ? Number(sarMatch[1]) / Number(sarMatch[2]) : 1;
    const rate = (unit: string) => {
      const m = new RegExp(`([\\d.]+)(k?) ${unit}\\b`).exec(body);
      return m ? Number(m[1]) * (m[2] ? 1000 : 1) : null;
    };
    const fps = rate('fps') ?? rate('tbr');
    const pixelFormat = /^[\w-]+(?: \([^)]*\))*, ([a-z0-9_]+)/.exec(body)?.[1] ?? null;
    // The stream's own metadata and side data follow it, indented, until the next stream.
    let rotateTag: number | null = null;
    let matrix: number | null = null;
    for (let j = i + 1; j < lines.length && !/^\s*Stream #/.test(lines[j]!) && /^\s{4,}/.test(lines[j]!); j++) {
      const tag = /^\s*rotate\s*:\s*(-?[\d.]+)/.exec(lines[j]!);
      if (tag) rotateTag = Number(tag[1]);
      const dm = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(lines[j]!);
      if (dm) matrix = Number(dm[1]);
    }
    // The display matrix's angle is counter-clockwise; the tag and our field are clockwise.
    const rotation = quarterTurn(matrix !== null ? -matrix : (rotateTag ?? 0));
    const shownWidth = Math.round(width * sar);
    const swap = rotation === 90 || rotation === 270;
    return {
      duration,
      fps: fps && Number.isFinite(fps) && fps > 0 ? fps : null,
      width,
      height,
      sar,
      displayWidth: swap ? height : shownWidth,
      displayHeight: swap ? shownWidth : height,
      codec,
      pixelFormat,
      rotation,
      container,
      videoStreamIndex: videoOrdinal,
    };
  }
  return null;
}

function quarterTurn(degrees: number): 0 | 90 | 180 | 270 {
  const q = ((Math.round(degrees / 90) % 4) + 4) % 4;
  return ([0, 90, 180, 270] as const)[q]!;
}

/** Duration when the container states none (some live-recorded WebM): the last packet time of a stream copy, which decodes nothing. */
async function durationByCopy(ffmpeg: string, file: string, stream: number, signal?: AbortSignal): Promise<number> {
  const res = await runCaptured(ffmpeg, ['-hide_banner', '-nostdin', '-i', file, '-map', `0:v:${stream}`, '-c', 'copy', '-f', 'null', '-'], { signal, timeoutMs: 120_000 });
  if (signal?.aborted) throw abortError();
  const times = [...res.stderr.matchAll(/time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)];
  const last = times.at(-1);
  if (!last) throw new VideoInputError('unreadable', `ffmpeg states no duration for ${file} and could not read its packets`, ffmpegReason(res.stderr) || null);
  return Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]);
}
