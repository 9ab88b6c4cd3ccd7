/** Number and time formatting in the UI language (Intl, no library). */

export function formatNumber(value: number, language: string, digits = 0): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
}

/** A score or threshold with exactly `digits` decimals, in the UI language ("0,70" in Turkish). */
export function formatFixed(value: number, language: string, digits = 2): string {
  return new Intl.NumberFormat(language, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** 850 ms · 3.2 s · 4 min 5 s · 5 min · 1 hr 2 min (in the UI language's short units) */
export function formatDuration(ms: number, language: string): string {
  const unit = (value: number, u: 'millisecond' | 'second' | 'minute' | 'hour', digits = 0) =>
    new Intl.NumberFormat(language, { style: 'unit', unit: u, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
  const pair = (a: string, b: string | null) => (b ? `${a} ${b}` : a);
  if (ms < 1_000) return unit(Math.round(ms), 'millisecond');
  if (ms < 60_000) return unit(ms / 1_000, 'second', ms < 10_000 ? 1 : 0);
  const s = Math.round(ms / 1_000);
  if (s < 3_600) return pair(unit(Math.floor(s / 60), 'minute'), s % 60 ? unit(s % 60, 'second') : null);
  const m = Math.floor((s % 3_600) / 60);
  return pair(unit(Math.floor(s / 3_600), 'hour'), m ? unit(m, 'minute') : null);
}

/** "3 minutes ago", "in 20 seconds" */
export function formatRelative(at: number, language: string, now = Date.now()): string {
  const diff = (at - now) / 1_000;
  const rtf = new Intl.RelativeTimeFormat(language, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(diff);
  if (abs < 45) return rtf.format(Math.round(diff), 'second');
  if (abs < 2_700) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 79_200) return rtf.format(Math.round(diff / 3_600), 'hour');
  return rtf.format(Math.round(diff / 86_400), 'day');
}

export function formatDateTime(at: number, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }).format(at);
}

export function formatBytes(bytes: number, language: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(language, { style: 'unit', unit: units[unit], unitDisplay: 'short', maximumFractionDigits: unit ? 1 : 0 }).format(value);
}
