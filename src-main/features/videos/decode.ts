/**
 * Frames out of ffmpeg as raw RGB through a pipe, at a bounded size, one at a time (the
 * pipe's back-pressure holds ffmpeg while the consumer works, so memory stays at about
 * one frame whatever the video's length). ffmpeg applies the rotation metadata itself
 * (autorotate, on by default), so frames come out as the video is meant to be seen.
 *
 * Each frame carries its decode index `n` (the same numbering a later `select=eq(n,…)`
 * pass sees, as both passes decode every frame with no rate conversion) and its
 * presentation time from the showinfo filter, which phones' variable frame rates need.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TailBuffer } from './ffmpeg.js';
import { abortError, ffmpegReason, VideoInputError } from './errors.js';
import type { VideoProbe } from './probe.js';

export interface RawFrame {
  /** Decode order, from 0: every frame of the video stream is counted. */
  index: number;
  /** Presentation time in seconds from the stream's start. */
  time: number;
  width: number;
  height: number;
  /** width × height × 3 bytes, RGB, rows top to bottom. */
  rgb: Uint8Array;
}

export interface FrameStreamOptions {
  /** Longest side of the frames in pixels; smaller videos are not enlarged. */
  maxSide: number;
  signal?: AbortSignal;
  /** The ffmpeg child's pid once it runs (tests check that an abort leaves none behind). */
  onSpawn?: (pid: number) => void;
}

export interface StreamSummary {
  frames: number;
  /** Time of the last frame plus one frame's duration. */
  decodedUntil: number;
  /** ffmpeg reported damaged data but the picture covers the stated duration. */
  damageReported: string | null;
}

/** The frame size for a bounded longest side, from the display size (rotation applied). */
export function boundedSize(probe: Pick<VideoProbe, 'displayWidth' | 'displayHeight'>, maxSide: number): { width: number; height: number } {
  const { displayWidth: w, displayHeight: h } = probe;
  const scale = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(2, Math.round(w * scale)), height: Math.max(2, Math.round(h * scale)) };
}

/** What ffmpeg prints when the data it reads is damaged or ends early. */
const DAMAGE = /partial file|corrupt input packet|Read error|File ended prematurely|Truncating packet|Invalid NAL unit|Error while decoding|Packet corrupt|error reading header|concealing \d+ .*errors/i;

const SHOWINFO = /n:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[\d.eE+-]+)/;

/**
 * Streams the video's frames. The generator's end checks that the picture really reached
 * the end: a truncated or damaged file fails with VideoInputError('truncated') and
 * ffmpeg's reason, after the frames it could decode were yielded. Breaking out of the
 * loop or aborting kills ffmpeg (and waits until it is gone).
 */
export async function* streamFrames(ffmpeg: string, file: string, probe: VideoProbe, options: FrameStreamOptions): AsyncGenerator<RawFrame, StreamSummary> {
  const { signal } = options;
  if (signal?.aborted) throw abortError();
  const { width, height } = boundedSize(probe, options.maxSide);
  const frameBytes = width * height * 3;
  // area averages every source pixel when shrinking: no aliasing to fake sharpness or motion.
  const filters = [`scale=${width}:${height}:flags=area`, 'setsar=1', 'showinfo'].join(',');
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'info', '-i', file, '-map', `0:v:${probe.videoStreamIndex}`, '-an', '-sn', '-dn', '-vf', filters, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const exited = exitOf(child);
  // Awaited below; this only keeps a spawn failure from counting as unhandled meanwhile.
  exited.catch(() => undefined);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });

  // Stderr: showinfo lines give each frame's time; the rest is kept for the reason.
  const times: number[] = [];
  const stderrTail = new TailBuffer(32 * 1024);
  let stderrEnded = false;
  let wakeTimes: (() => void) | null = null;
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = SHOWINFO.exec(line);
      if (m && line.includes('showinfo')) times[Number(m[1])] = Number(m[3]);
      else if (line.trim()) stderrTail.push(Buffer.from(line + '\n'));
    }
    wakeTimes?.();
  });
  child.stderr.on('end', () => {
    stderrEnded = true;
    if (partial.trim()) stderrTail.push(Buffer.from(partial));
    wakeTimes?.();
  });
  // The frame's bytes can reach us before its showinfo line does: wait for it.
  const timeOf = async (index: number): Promise<number | null> => {
    while (times[index] === undefined && !stderrEnded) await new Promise<void>((resolve) => (wakeTimes = resolve));
    wakeTimes = null;
    return times[index] ?? null;
  };

  let index = 0;
  let lastTime = 0;
  let buffer = new Uint8Array(frameBytes);
  let filled = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        buffer.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled < frameBytes) break;
        const time = (await timeOf(index)) ?? (probe.fps ? index / probe.fps : index);
        lastTime = time;
        const frame: RawFrame = { index, time, width, height, rgb: buffer };
        index++;
        buffer = new Uint8Array(frameBytes);
        filled = 0;
        yield frame;
        if (signal?.aborted) throw abortError();
      }
    }
    const { code, signal: killedBy } = await exited;
    finished = true;
    if (signal?.aborted) throw abortError();
    const stderr = stderrTail.text();
    const reason = ffmpegReason(stderr);
    if (code !== 0 || killedBy) {
      if (index > 0) throw new VideoInputError('truncated', `decoding ${file} failed after ${index} frames: ${reason || `ffmpeg exited with ${code ?? killedBy}`}`, reason || null);
      throw new VideoInputError('unreadable', `ffmpeg cannot decode ${file}: ${reason || `exit ${code ?? killedBy}`}`, reason || null);
    }
    if (index === 0) throw new VideoInputError('unreadable', `ffmpeg decoded no picture from ${file}${reason ? `: ${reason}` : ''}`, reason || null);
    const frameDuration = probe.fps ? 1 / probe.fps : 0;
    const decodedUntil = lastTime + frameDuration;
    const damage = stderr.split('\n').filter((l) => DAMAGE.test(l));
    const damageReason = damage.length ? ffmpegReason(damage.join('\n')) : null;
    // Short of the stated duration by more than a few frames, with damage reported: cut off.
    // Short without damage is a container whose audio outlasts the picture; damage without
    // a shortfall is a glitch ffmpeg concealed; neither fails the video.
    const shortfall = probe.duration - decodedUntil;
    if (damageReason && shortfall > Math.max(0.25, 3 * frameDuration)) {
      throw new VideoInputError(
        'truncated',
        `${file} is truncated or damaged: the picture stops at ${decodedUntil.toFixed(2)} s of ${probe.duration.toFixed(2)} s (${damageReason})`,
        damageReason,
      );
    }
    return { frames: index, decodedUntil, damageReported: damageReason };
  } finally {
    signal?.removeEventListener('abort', kill);
    if (!finished) {
      // The consumer stopped early, threw, or aborted: no orphan decoding on.
      kill();
      child.stdout.destroy();
      await exited;
    }
  }
}

function exitOf(child: ChildProcessByStdio<null, Readable, Readable>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}
