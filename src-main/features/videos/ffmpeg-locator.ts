import type { FfmpegStatus } from '../../../src-shared/contract/index.js';
import { FfmpegMissingError, resolveFfmpeg, type FfmpegInfo } from './ffmpeg.js';

export interface LocatedFfmpeg extends Omit<FfmpegInfo, 'source'> {
  source: NonNullable<FfmpegStatus['source']>;
}

/**
 * The ffmpeg this engine uses: the one its settings name (the app's own choice, or a
 * test's), else FFMPEG_PATH, the @ffmpeg-installer package or the system's (ffmpeg.ts).
 * Looked up on each use (resolveFfmpeg caches a success), so installing ffmpeg after a
 * failure needs no restart.
 */
export class FfmpegLocator {
  constructor(private readonly configuredPath: string | undefined) {}

  async resolve(): Promise<LocatedFfmpeg> {
    if (this.configuredPath) {
      const found = await resolveFfmpeg({ env: { ...process.env, FFMPEG_PATH: this.configuredPath } });
      return { ...found, source: 'settings' };
    }
    return resolveFfmpeg();
  }

  async status(): Promise<FfmpegStatus> {
    try {
      const f = await this.resolve();
      return { available: true, source: f.source, version: f.version, path: f.path, error: null };
    } catch (err) {
      const message = err instanceof FfmpegMissingError ? err.message : `ffmpeg cannot be used: ${(err as Error).message}`;
      return { available: false, source: null, version: null, path: null, error: message };
    }
  }
}
