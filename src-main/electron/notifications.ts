/**
 * Which engine events become OS notifications, and their text. Pure: main posts them
 * with Electron's Notification only when no app window has focus.
 */
import type { EngineEvent } from '../../src-shared/contract/index.js';

export interface NotificationText {
  title: string;
  body: string;
  /** What it is about (`import:<id>`, `batch:<id>`): one notification per key. */
  key: string;
}

type Lang = 'en' | 'tr';

const strings = {
  en: {
    importDone: (project: string) => `Import finished: ${project}`,
    importFailed: (project: string) => `Import failed: ${project}`,
    imported: (n: number) => `${n} image${n === 1 ? '' : 's'} imported`,
    duplicates: (n: number) => `${n} duplicate${n === 1 ? '' : 's'}`,
    skipped: (n: number) => `${n} skipped`,
    batchDone: (what: string) => `Batch finished: ${what}`,
    batchFailed: (what: string) => `Batch finished with failures: ${what}`,
    done: (n: number) => `${n} done`,
    failed: (n: number) => `${n} failed`,
    cancelled: (n: number) => `${n} cancelled`,
  },
  tr: {
    importDone: (project: string) => `İçe aktarma bitti: ${project}`,
    importFailed: (project: string) => `İçe aktarma başarısız: ${project}`,
    imported: (n: number) => `${n} görsel içe aktarıldı`,
    duplicates: (n: number) => `${n} yinelenen`,
    skipped: (n: number) => `${n} atlandı`,
    batchDone: (what: string) => `Toplu iş bitti: ${what}`,
    batchFailed: (what: string) => `Toplu iş hatalarla bitti: ${what}`,
    done: (n: number) => `${n} tamamlandı`,
    failed: (n: number) => `${n} başarısız`,
    cancelled: (n: number) => `${n} iptal edildi`,
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
 * The notification for an event, or null. Imports notify when they end (done or failed);
 * queue batches when they complete or fail (single jobs inside a batch stay quiet: one
 * notification per batch, not one per image).
 */
export async function notificationFor(event: EngineEvent, ctx: NotificationContext): Promise<NotificationText | null> {
  const t = strings[languageFor(ctx.locale)];
  switch (event.type) {
    case 'import.progress': {
      const p = event.payload;
      if (p.state !== 'done' && p.state !== 'failed') return null;
      const name = (await ctx.projectName(p.projectId).catch(() => null)) ?? '';
      const key = `import:${p.importId}`;
      if (p.state === 'failed') return { title: t.importFailed(name), body: p.error ?? '', key };
      const parts = [t.imported(p.imported)];
      if (p.duplicates) parts.push(t.duplicates(p.duplicates));
      if (p.skipped) parts.push(t.skipped(p.skipped));
      return { title: t.importDone(name), body: parts.join(' · '), key };
    }
    case 'batch.completed':
    case 'batch.failed': {
      const b = event.payload;
      // An import is a queue batch too; its import.progress event already told the user.
      if (b.type === 'import') return null;
      const project = b.projectId ? await ctx.projectName(b.projectId).catch(() => null) : null;
      const what = [b.label ?? b.type, project].filter(Boolean).join(' · ');
      const parts = [t.done(b.completed)];
      if (b.failed) parts.push(t.failed(b.failed));
      if (b.cancelled) parts.push(t.cancelled(b.cancelled));
      return { title: event.type === 'batch.failed' || b.failed > 0 ? t.batchFailed(what) : t.batchDone(what), body: parts.join(' · '), key: `batch:${b.id}` };
    }
    default:
      return null;
  }
}

/**
 * Remembers which keys were announced, so an end state reported twice (a re-sent
 * progress event, an engine restart replaying state) still notifies once. Bounded.
 */
export class NotifiedOnce {
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 1_000) {}

  /** True the first time a key is offered. */
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}
