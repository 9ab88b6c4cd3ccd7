import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegMissingError, resolveFfmpeg, type FfmpegInfo } from '../../../src-main/features/videos/ffmpeg.js';
import { parseProbe } from '../../../src-main/features/videos/probe.js';
import { tempDir } from '../../helpers/tmp.js';

// Any working ffmpeg to build the FFMPEG_PATH and PATH cases from (the npm package's, here).
let real: FfmpegInfo | null = null;
let why = '';
try {
  real = await resolveFfmpeg();
} catch (err) {
  why = (err as Error).message;
}
if (!real) console.warn(`[videos] ffmpeg resolution tests skipped: no ffmpeg here (${why})`);

describe.skipIf(!real)('ffmpeg resolution', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let wrapper: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-ffmpeg-'));
    // A real ffmpeg at another path: a script that runs the found binary.
    await fs.mkdir(path.join(dir, 'bin'));
    wrapper = path.join(dir, 'bin', 'ffmpeg');
    await fs.writeFile(wrapper, `#!/bin/sh\nexec "${real!.path}" "$@"\n`, { mode: 0o755 });
  });
  afterAll(() => cleanup());

  it('finds the @ffmpeg-installer binary when FFMPEG_PATH is not set, and reports its version line', async () => {
    const found = await resolveFfmpeg({ env: { PATH: '' } });
    expect(found.source).toBe('installer');
    expect(found.path).toMatch(/@ffmpeg-installer/);
    expect(found.version).toMatch(/^ffmpeg version \S+/);
  });

  it('FFMPEG_PATH wins over the package and the PATH', async () => {
    const found = await resolveFfmpeg({ env: { FFMPEG_PATH: wrapper, PATH: path.join(dir, 'bin') } });
    expect(found).toMatchObject({ source: 'env', path: wrapper });
    expect(found.version).toBe(real!.version);
  });

  it('a FFMPEG_PATH that does not exist is a typed error naming it, not a fallback', async () => {
    const bogus = path.join(dir, 'no-such-ffmpeg');
    const err = await resolveFfmpeg({ env: { FFMPEG_PATH: bogus } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegMissingError);
    expect((err as FfmpegMissingError).code).toBe('ffmpeg_missing');
    expect((err as Error).message).toContain(bogus);
    expect((err as Error).message).toMatch(/ENOENT/);
  });

  it('a FFMPEG_PATH that runs but is not ffmpeg is refused with what it printed', async () => {
    const impostor = path.join(dir, 'not-ffmpeg');
    await fs.writeFile(impostor, '#!/bin/sh\necho "hello from a shell script"\n', { mode: 0o755 });
    const err = await resolveFfmpeg({ env: { FFMPEG_PATH: impostor } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegMissingError);
    expect((err as Error).message).toContain(impostor);
    expect((err as Error).message).toContain('hello from a shell script');
  });

  it('falls back to ffmpeg on the PATH, then to a clear error listing where it looked', async () => {
    const onPath = await resolveFfmpeg({ env: { PATH: path.join(dir, 'bin') }, skipInstaller: true });
    expect(onPath).toMatchObject({ source: 'path', path: wrapper });

    const err = await resolveFfmpeg({ env: { PATH: path.join(dir, 'empty') }, skipInstaller: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegMissingError);
    expect((err as Error).message).toMatch(/ffmpeg was not found; install it or set FFMPEG_PATH/);
    expect((err as FfmpegMissingError).tried).toEqual(['ffmpeg on PATH: not found']);
  });
});

describe('probe parsing (ffmpeg -i output; there is no ffprobe binary)', () => {
  it('reads a phone video with a display matrix (ffmpeg 6 style) and ignores cover art', () => {
    const stderr = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'IMG_0042.MOV':",
      '  Metadata:',
      '    creation_time   : 2024-05-01T10:00:00.000000Z',
      '  Duration: 00:00:12.53, start: 0.000000, bitrate: 15123 kb/s',
      '  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 96 kb/s (default)',
      '  Stream #0:1[0x2](und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv, bt709), 1920x1080, 14960 kb/s, 29.97 fps, 29.97 tbr, 600 tbn (default)',
      '    Metadata:',
      '      handler_name    : Core Media Video',
      '    Side data:',
      '      displaymatrix: rotation of -90.00 degrees',
      '  Stream #0:2[0x3](und): Video: mjpeg (Baseline), yuvj420p(pc), 320x240, 90k tbr, 90k tbn (attached pic)',
    ].join('\n');
    expect(parseProbe(stderr)).toEqual({
      duration: 12.53,
      fps: 29.97,
      width: 1920,
      height: 1080,
      sar: 1,
      displayWidth: 1080,
      displayHeight: 1920,
      codec: 'hevc',
      pixelFormat: 'yuv420p',
      rotation: 90,
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      videoStreamIndex: 0,
    });
  });

  it('reads the older rotate tag, a non-square pixel aspect, and no stated duration', () => {
    const stderr = [
      "Input #0, matroska,webm, from 'clip.webm':",
      '  Duration: N/A, start: 0.000000, bitrate: N/A',
      '    Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv), 720x576, SAR 16:15 DAR 4:3, 25 fps, 25 tbr, 1k tbn, 1k tbc (default)',
      '    Metadata:',
      '      rotate          : 180',
    ].join('\n');
    expect(parseProbe(stderr)).toMatchObject({ duration: null, fps: 25, width: 720, height: 576, displayWidth: 768, displayHeight: 576, codec: 'vp9', rotation: 180 });
  });

  it('reads a tiny video\'s size (8×8) and never a fourcc for one', () => {
    const stderr = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'tiny.mp4':",
      '  Duration: 00:00:01.00, start: 0.000000, bitrate: 9 kb/s',
      '    Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 8x8, 6 kb/s, 25 fps, 25 tbr, 12800 tbn (default)',
    ].join('\n');
    expect(parseProbe(stderr)).toMatchObject({ width: 8, height: 8, fps: 25, codec: 'h264' });
  });

  it('gives null for output that shows no video stream', () => {
    expect(parseProbe("Input #0, mp3, from 'song.mp3':\n  Duration: 00:03:00.00\n    Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 320 kb/s")).toBeNull();
    expect(parseProbe('garbage.mp4: Invalid data found when processing input')).toBeNull();
  });
});
