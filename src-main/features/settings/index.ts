import { defineFeature } from '../../engine/feature.js';
import { SettingsStore } from './settings-store.js';

/** The user's preferences (language, theme), kept in the library. */
export const settingsFeature = defineFeature({
  name: 'settings',
  migrations: [
    {
      version: 1,
      name: 'app settings',
      up: `CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);`,
    },
  ],
  create: (ctx) => new SettingsStore(ctx.db, ctx.events),
  handlers: (settings) => ({
    'settings.get': () => settings.get(),
    'settings.set': (changes) => settings.set(changes),
  }),
});
