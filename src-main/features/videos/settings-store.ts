import type { z } from 'zod';
import type { Db } from '../../engine/db/database.js';

/**
 * The feature's settings kept in the library (the watched folder, the metadata API): one
 * JSON value per key, read through a schema so a value written by an older version, or
 * edited by hand, falls back to the default instead of breaking the feature.
 */
export class SettingsStore {
  private readonly read;
  private readonly write;

  constructor(db: Db) {
    this.read = db.prepare('SELECT value FROM video_settings WHERE key = ?').pluck();
    this.write = db.prepare('INSERT INTO video_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  }

  get<S extends z.ZodType>(key: string, schema: S, fallback: z.output<S>): z.output<S> {
    const raw = this.read.get(key) as string | undefined;
    if (raw === undefined) return fallback;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : fallback;
    } catch {
      return fallback;
    }
  }

  set(key: string, value: unknown): void {
    this.write.run(key, JSON.stringify(value), Date.now());
  }
}
