/**
 * One file or folder name that every OS the exports travel to can hold: Windows refuses
 * `< > : " / \ | ? *`, control characters, a trailing dot or space and the device names
 * (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with any extension), and most file systems cap a
 * name near 255 bytes. Used for names that come from users (photo file names, dataset and
 * project names) in exports, ZIP or folder alike; `portableKey` compares names as a
 * case-insensitive file system (Windows, macOS) does, so two names that differ only in
 * case never land on one file.
 */
const RESERVED_DEVICE = /^(con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])(\..*)?$/i;
const MAX_BYTES = 200;

export function portableName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  let out = name.normalize('NFC').replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/[.\s]+$/g, '').replace(/^\s+/, '');
  if (out === '' || out === '.' || out === '..') return fallback;
  if (RESERVED_DEVICE.test(out)) out = `_${out}`;
  if (Buffer.byteLength(out) > MAX_BYTES) {
    const ext = /(\.[^.]{1,10})$/.exec(out)?.[1] ?? '';
    let stem = out.slice(0, out.length - ext.length);
    while (Buffer.byteLength(stem + ext) > MAX_BYTES) stem = [...stem].slice(0, -1).join('');
    out = stem + ext;
  }
  return out;
}

/** How a case-insensitive file system tells names apart. */
export function portableKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
