/**
 * Basic shapes every contract slice uses. This folder imports nothing but zod: no Node,
 * no DOM, no Electron. A feature's own shapes live in its slice (library.ts, import.ts…).
 */
import { z } from 'zod';

export const Id = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a UUID');
export type Id = z.infer<typeof Id>;

/** Milliseconds since the Unix epoch. */
export const Timestamp = z.number().int().nonnegative();

/** `video`: a product's source video as it was added, for a player (served with byte ranges). */
export const MediaVariant = z.enum(['thumb', 'original', 'video']);
export type MediaVariant = z.infer<typeof MediaVariant>;

export const Empty = z.object({}).strict();

/**
 * Characters that must never reach a name a person reads: C0 and C1 controls (NUL, CR,
 * LF, ESC and the terminal escape sequences it starts), DEL, line and paragraph
 * separators, and the bidirectional overrides and isolates that make `gpj.exe` read as
 * `exe.jpg`.
 */
// Matching control characters is the point of these two patterns.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
/** A UTF-16 surrogate without its partner: not text, and invalid in JSON consumers and file systems. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATE_ALL = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Whether a string is safe to store and show as a name: no control characters, no bidi overrides, no lone surrogates. */
export function isSafeText(value: string): boolean {
  return !UNSAFE_CHARS.test(value) && !LONE_SURROGATE.test(value);
}

/**
 * The same text made safe to show: control characters and bidi overrides dropped (tabs and
 * line breaks become a space), lone surrogates replaced by U+FFFD, Unicode NFC. For names
 * that come from somewhere the user cannot fix (a file on disk, a browser's drop).
 */
export function cleanText(value: string): string {
  return value
    .replace(/[\t\n\r\u2028\u2029]+/g, ' ')
    .replace(UNSAFE_CHARS_ALL, '')
    .replace(LONE_SURROGATE_ALL, '\ufffd')
    .normalize('NFC');
}

/**
 * At most `max` UTF-16 units (what a `SafeText({ max })` counts), cut between characters:
 * a plain `slice` can split a surrogate pair (an emoji) and leave a lone half, which is
 * stored as U+FFFD garbage and then refused when the name is sent back.
 */
export function clipText(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = value.slice(0, max);
  if (/[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  return out;
}

/**
 * A name a person types or reads (a project, a model): refused when it carries control
 * characters, bidi overrides or lone surrogates, rather than silently changed.
 */
export function SafeText(options: { min?: number; max: number; what?: string }) {
  const what = options.what ?? 'name';
  return z
    .string()
    .trim()
    .min(options.min ?? 1, `${what} is empty`)
    .max(options.max, `${what} is longer than ${options.max} characters`)
    .refine(isSafeText, `${what} contains control characters, direction overrides or broken Unicode`);
}
