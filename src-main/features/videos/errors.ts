/**
 * Why a video could not be used, with ffmpeg's own words where it gave some. A queue job
 * maps these to a failed item with `message` as the reason the user sees; the other
 * videos of the batch go on.
 */
export type VideoErrorKind =
  /** The file is not there or cannot be opened. */
  | 'not_found'
  /** Not a video ffmpeg can open: garbage, a damaged header, an unknown container. */
  | 'unreadable'
  /** A container with no video stream (audio only, a still image format ffmpeg reads as one). */
  | 'no_video'
  /** It opens, but the picture data stops well before its stated duration, or decoding fails part-way. */
  | 'truncated';

export class VideoInputError extends Error {
  readonly code = 'video_input';
  constructor(
    readonly kind: VideoErrorKind,
    message: string,
    /** ffmpeg's last relevant stderr lines, for the log and the details view. */
    readonly ffmpegReason: string | null = null,
  ) {
    super(message);
    this.name = 'VideoInputError';
  }
}

/** ffmpeg failed for a reason that is not the input's fault (bad arguments, a crash). */
export class FfmpegRunError extends Error {
  readonly code = 'ffmpeg_failed';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly ffmpegReason: string,
  ) {
    super(message);
    this.name = 'FfmpegRunError';
  }
}

export function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** ffmpeg's stderr lines that say what went wrong, without its banner and progress noise. */
export function ffmpegReason(stderr: string, max = 3): string {
  const noise = /^(frame=|size=|video:|Input #|Output #|Stream #|Stream mapping|Press \[q\]|Metadata:|Duration:|Side data:|\s*[a-z_]+\s*:\s)/i;
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && !noise.test(l) && !/^\[Parsed_showinfo/.test(l) && !/^At least one output file must be specified/.test(l));
  const wanted = lines.filter((l) => /error|invalid|not found|no such|truncat|partial|prematurely|corrupt|missing|failed|could not|unable|denied/i.test(l));
  // "[mov,mp4,… @ 0x2f7a8b00] stream 0, offset 0x171bc: partial file" repeats per packet:
  // without the component prefix and offsets, each distinct complaint is said once.
  const distinct = [...new Set((wanted.length ? wanted : lines).map((l) => l.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/i, '').replace(/\b0x[0-9a-f]+\b/gi, '…')))];
  return distinct.slice(-max).join(' | ');
}
