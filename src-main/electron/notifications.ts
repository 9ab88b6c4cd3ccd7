/**
 * Which engine events become OS notifications, and their text. Pure: main posts them
 * with Electron's Notification only when no app window has focus.
 */
import type { EngineEvent } from '../../src-shared/contract/index.js';

export interface NotificationText {
  title: string;
  body: string;
}

type Lang = 'en' | 'tr';

const strings = {
  en: {
    importDone: (project: string) => `Import finished: ${project}`,
    importFailed: (project: string) => `Import failed: ${project}`,
    imported: (n: number) => `${n} image${n === 1 ? '' : 's'} imported`,
    duplicates: (n: number) => `${n} duplicate${n === 1 ? '' : 's'}`,
    skipped: (n: number) => `${n} skipped`,
    finished: (what: string) => `Finished: ${what}`,
    failed: (what: string) => `Failed: ${what}`,
  },
  tr: {
    importDone: (project: string) => `İçe aktarma bitti: ${project}`,
    importFailed: (project: string) => `İçe aktarma başarısız: ${project}`,
    imported: (n: number) => `${n} görsel içe aktarıldı`,
    duplicates: (n: number) => `${n} yinelenen`,
    skipped: (n: number) => `${n} atlandı`,
    finished: (what: string) => `Bitti: ${what}`,
    failed: (what: string) => `Başarısız: ${what}`,
  },
} satisfies Record<Lang, unknown>;

export function languageFor(locale: string): Lang {
  return locale.toLowerCase().startsWith('tr') ? 'tr' : 'en';
}

export interface NotificationContext {
  locale: string;
  /** A project's name for its id (falls back to nothing if it cannot be found). */
  projectName: (projectId: string) => Promise<string | null>;
}

/**
 * The notification for an event, or null. Imports notify when they end (done or
 * failed). Other features' batch events notify when their type ends in `.finished`
 * or `.failed` (the queue's batch events), titled by their payload's `name`/`label`
 * when present.
 */
export async function notificationFor(event: EngineEvent, ctx: NotificationContext): Promise<NotificationText | null> {
  const t = strings[languageFor(ctx.locale)];
  const type = event.type as string;
  if (type === 'import.progress') {
    const p = event.payload as { state: string; projectId: string; imported: number; duplicates: number; skipped: number; error: string | null };
    if (p.state !== 'done' && p.state !== 'failed') return null;
    const name = (await ctx.projectName(p.projectId).catch(() => null)) ?? '';
    if (p.state === 'failed') return { title: t.importFailed(name), body: p.error ?? '' };
    const parts = [t.imported(p.imported)];
    if (p.duplicates) parts.push(t.duplicates(p.duplicates));
    if (p.skipped) parts.push(t.skipped(p.skipped));
    return { title: t.importDone(name), body: parts.join(' · ') };
  }
  const ended = /\.(finished|failed)$/.exec(type);
  if (ended) {
    const payload = (event.payload ?? {}) as Record<string, unknown>;
    const label = [payload.name, payload.label, payload.title].find((v): v is string => typeof v === 'string' && v.length > 0) ?? type.replace(/\.(finished|failed)$/, '');
    const detail = [payload.summary, payload.message, payload.error].find((v): v is string => typeof v === 'string' && v.length > 0) ?? '';
    return { title: ended[1] === 'finished' ? t.finished(label) : t.failed(label), body: detail };
  }
  return null;
}
