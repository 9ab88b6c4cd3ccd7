/**
 * The second pass: the kept frames at full resolution as PNG files. ffmpeg decodes the
 * video again and `select` keeps exactly the frames by decode index (the numbering the
 * analysis pass used), stopping after the last one; showinfo's times are checked against
 * the analysis's, so a mismatch fails loudly instead of saving the wrong frames.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TailBuffer } from './ffmpeg.js';
import { abortError, ffmpegReason, FfmpegRunError, VideoInputError } from './errors.js';
import { boundedSize } from './decode.js';
import type { VideoProbe } from './probe.js';

export interface ExtractedFrame {
  index: number;
  time: number;
  file: string;
  width: number;
  height: number;
}

export interface ExtractOptions {
  /** Longest side; default the video's own size (rotation applied). */
  maxSide?: number;
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
}

/** Times may differ by rounding in showinfo's print (6 decimals) and nothing more. */
const TIME_TOLERANCE = 0.002;

export async function extractFrames(
  ffmpeg: string,
  file: string,
  probe: VideoProbe,
  frames: ReadonlyArray<{ index: number; time: number }>,
  outDir: string,
  options: ExtractOptions = {},
): Promise<ExtractedFrame[]> {
  const { signal } = options;
  if (signal?.aborted) throw abortError();
  const wanted = [...frames].sort((a, b) => a.index - b.index);
  if (!wanted.length) return [];
  await fs.mkdir(outDir, { recursive: true });
  const { width, height } = boundedSize(probe, options.maxSide ?? Math.max(probe.displayWidth, probe.displayHeight));
  const scaled = width !== probe.displayWidth || height !== probe.displayHeight;
  const select = `select='${wanted.map((f) => `eq(n\\,${f.index})`).join('+')}'`;
  const filters = [select, ...(scaled ? [`scale=${width}:${height}:flags=lanczos`] : []), 'setsar=1', 'showinfo'].join(',');
  const pattern = path.join(outDir, 'frame-%06d.png');
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'info', '-y',
    '-i', file, '-map', `0:v:${probe.videoStreamIndex}`, '-an', '-sn', '-dn',
    '-vf', filters, '-vsync', 'passthrough', '-frames:v', String(wanted.length),
    '-pix_fmt', 'rgb24', '-f', 'image2', '-start_number', '0', pattern,
  ];
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });
  const times: number[] = [];
  const tail = new TailBuffer(32 * 1024);
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /showinfo.*\bn:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.eE+-]+)/.exec(line);
      if (m) times[Number(m[1])] = Number(m[2]);
      else if (line.trim()) tail.push(Buffer.from(line + '\n'));
    }
  });
  const { code, signal: killedBy } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  }).finally(() => signal?.removeEventListener('abort', kill));
  if (signal?.aborted) throw abortError();
  const reason = ffmpegReason(tail.text());
  if (code !== 0 || killedBy) throw new FfmpegRunError(`ffmpeg could not extract frames from ${file}: ${reason || `exit ${code ?? killedBy}`}`, code, reason);

  const out: ExtractedFrame[] = [];
  for (let k = 0; k < wanted.length; k++) {
    const target = path.join(outDir, `frame-${String(k).padStart(6, '0')}.png`);
    const exists = await fs.stat(target).then(
      () => true,
      () => false,
    );
    if (!exists) throw new VideoInputError('truncated', `ffmpeg gave ${k} of the ${wanted.length} frames asked from ${file}; the last asked is at ${wanted.at(-1)!.time.toFixed(2)} s`, reason || null);
    const time = times[k];
    if (time === undefined || Math.abs(time - wanted[k]!.time) > TIME_TOLERANCE) {
      throw new FfmpegRunError(`frame ${wanted[k]!.index} of ${file} came out at ${time ?? 'an unknown time'} s, not ${wanted[k]!.time} s as analysed`, code, reason);
    }
    // Named by decode index, so a retry writes the same names.
    const named = path.join(outDir, `frame-n${wanted[k]!.index}.png`);
    await fs.rename(target, named);
    out.push({ index: wanted[k]!.index, time, file: named, width, height });
  }
  return out;
}
