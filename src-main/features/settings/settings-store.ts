import { AppSettings } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';

const defaults: AppSettings = { language: 'auto', theme: 'system' };

/**
 * The user's preferences in the library (one row per key, the value as JSON): the web
 * mode's tabs and the desktop window read them at start and hear every change, so a
 * restart, another browser or a cleared localStorage loses nothing.
 */
export class SettingsStore {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
  ) {}

  get(): AppSettings {
    const rows = this.db.prepare('SELECT key, value FROM app_settings').all() as { key: string; value: string }[];
    const stored: Record<string, unknown> = {};
    for (const r of rows) {
      try {
        stored[r.key] = JSON.parse(r.value);
      } catch {
        /* a damaged value falls back to its default */
      }
    }
    // Each key on its own: one unreadable value does not reset the others.
    const language = AppSettings.shape.language.safeParse(stored.language);
    const theme = AppSettings.shape.theme.safeParse(stored.theme);
    return { language: language.success ? language.data : defaults.language, theme: theme.success ? theme.data : defaults.theme };
  }

  set(changes: Partial<AppSettings>): AppSettings {
    const before = this.get();
    const upsert = this.db.prepare('INSERT INTO app_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
    const now = Date.now();
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) upsert.run(key, JSON.stringify(value), now);
    })();
    const after = this.get();
    if (after.language !== before.language || after.theme !== before.theme) this.events.emit('settings.changed', after);
    return after;
  }
}
