/**
 * One byte range of a media file from an HTTP Range header, for players that seek (a
 * <video> asks for `bytes=N-` as the user drags). Shared by the web server's media route
 * and the desktop app's media protocol (main imports this file: it loads nothing else).
 *
 * Strict on purpose: a header that is not one well-formed `bytes=` range (another unit,
 * junk, several ranges, a start past the end) is answered 416, not with the whole file;
 * several ranges would need a multipart body no player asks for.
 */

/** Media types the routes stream for players, inline (a video file is never run as a document). */
export const PASSIVE_VIDEO_TYPES: ReadonlySet<string> = new Set(['video/mp4', 'video/webm']);

export type ByteRange = { start: number; end: number };

/** null: no Range header (send it all); 'unsatisfiable': answer 416; else the inclusive range to send. */
export function parseRange(header: string | null | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined || header === null) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '') || m[1]!.length > 15 || m[2]!.length > 15) return 'unsatisfiable';
  if (m[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || (m[2] !== '' && Number(m[2]) < start)) return 'unsatisfiable';
  return { start, end };
}

/** Headers of a 206 for `range` of a `size`-byte file. */
export function partialHeaders(range: ByteRange, size: number): Record<string, string> {
  return { 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': String(range.end - range.start + 1) };
}

/** Headers of a 416 (the size, so a client can ask again). */
export function unsatisfiableHeaders(size: number): Record<string, string> {
  return { 'Content-Range': `bytes */${size}`, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
}
