import type { TFunction } from 'i18next';

/**
 * Why an import skipped a file, in the UI's language. The engine records the reason as
 * English text (src-main/engine/images/ingest.ts, src-main/features/import/scan.ts); until
 * it records a code, each of its phrasings is recognised here and worded from the
 * `skipReasons` messages, with its parameters. A reason this list does not know is shown as
 * the engine wrote it, under a translated "could not be imported".
 */
interface ReasonPattern {
  key: string;
  pattern: RegExp;
  /** Named parameters from the match's groups. */
  params?: (m: RegExpExecArray) => Record<string, string | number>;
}

const what = (w: string) => (w === 'folder' ? 'folder' : 'file');

// Keep in the order of specificity: the first match wins.
const PATTERNS: readonly ReasonPattern[] = [
  { key: 'empty', pattern: /^empty file \(0 bytes\)$/ },
  { key: 'noHeader', pattern: /^not an image: no format or size in its header$/ },
  { key: 'undecodable', pattern: /^not a decodable image \(unsupported or unrecognised format\)$/ },
  { key: 'overPixelLimit', pattern: /^image is over the pixel limit$/ },
  {
    key: 'tooLarge',
    pattern: /^image is (\d+)×(\d+) \((\d+) MP\), over the (\d+) MP limit$/,
    params: (m) => ({ width: Number(m[1]), height: Number(m[2]), mp: Number(m[3]), limit: Number(m[4]) }),
  },
  {
    key: 'fileTooBig',
    pattern: /^file is (\d+) MB, larger than any image within the (\d+) MP limit$/,
    params: (m) => ({ mb: Number(m[1]), limit: Number(m[2]) }),
  },
  { key: 'corrupt', pattern: /^corrupt or truncated image: (.*)$/s, params: (m) => ({ detail: m[1]! }) },
  { key: 'cannotDecode', pattern: /^cannot decode image: (.*)$/s, params: (m) => ({ detail: m[1]! }) },
  { key: 'cannotReadFile', pattern: /^cannot read file: (.*)$/s, params: (m) => ({ detail: m[1]! }) },
  { key: 'workerFailed', pattern: /^worker failed: (.*)$/s, params: (m) => ({ detail: m[1]! }) },
  { key: 'permissionDenied', pattern: /^cannot read this (file|folder): permission denied$/, params: (m) => ({ what: what(m[1]!) }) },
  { key: 'ioError', pattern: /^cannot read this (file|folder): input\/output error \(a failing disk\?\)$/, params: (m) => ({ what: what(m[1]!) }) },
  { key: 'cannotRead', pattern: /^cannot read this (file|folder): (.*)$/s, params: (m) => ({ what: what(m[1]!), detail: m[2]! }) },
  { key: 'disappeared', pattern: /^the (file|folder) disappeared while it was being read$/, params: (m) => ({ what: what(m[1]!) }) },
  { key: 'linkLoop', pattern: /^symbolic link loop$/ },
  { key: 'brokenLink', pattern: /^broken symbolic link \(its target is missing\)$/ },
  { key: 'folderGivenTwice', pattern: /^a folder given twice, or inside another folder given; its files are imported once$/ },
  { key: 'folderTwice', pattern: /^a folder reached twice \(a symbolic link loop\); its files are imported once$/ },
  { key: 'scanStopped', pattern: /^the scan stopped after (\d+) files and folders; import the rest in smaller parts$/, params: (m) => ({ count: Number(m[1]) }) },
  { key: 'tooDeep', pattern: /^folders nested deeper than (\d+) levels$/, params: (m) => ({ depth: Number(m[1]) }) },
  { key: 'pathTooLong', pattern: /^its path is too long$/ },
  { key: 'pipe', pattern: /^not a file to import \(a named pipe\)$/ },
  { key: 'socket', pattern: /^not a file to import \(a socket\)$/ },
  { key: 'device', pattern: /^not a file to import \(a device\)$/ },
  { key: 'notRegular', pattern: /^(?:not a file to import \()?not a regular file\)?$/ },
  { key: 'notFound', pattern: /^not found$/ },
];

/** The reason's message key under `skipReasons` and its parameters, or null for a phrasing this list does not know. */
export function skipReasonKey(reason: string): { key: string; params: Record<string, string | number> } | null {
  for (const p of PATTERNS) {
    const m = p.pattern.exec(reason);
    if (m) return { key: p.key, params: p.params?.(m) ?? {} };
  }
  return null;
}

/** The reason in the UI's language (see skipReasonKey). */
export function skipReasonText(t: TFunction, reason: string): string {
  const known = skipReasonKey(reason);
  if (!known) return t('skipReasons.unknown', { reason });
  const params = 'what' in known.params ? { ...known.params, what: t(`skipReasons.what_${known.params.what}`) } : known.params;
  return t(`skipReasons.${known.key}`, params);
}
