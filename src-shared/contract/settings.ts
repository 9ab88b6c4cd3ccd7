/** Settings: the user's preferences kept in the library, so a restart or another window loses nothing. */
import { z } from 'zod';
import { defineSlice, method } from './define.js';

export const LanguageSetting = z.enum(['auto', 'en', 'tr']);
export const ThemeSetting = z.enum(['system', 'light', 'dark']);

export const AppSettings = z.object({
  /** 'auto' follows the browser's or the system's languages. */
  language: LanguageSetting,
  theme: ThemeSetting,
});
export type AppSettings = z.infer<typeof AppSettings>;

export const settingsContract = defineSlice({
  methods: {
    'settings.get': method(z.object({}).strict(), AppSettings, "The user's preferences (language, theme) as the library keeps them"),
    'settings.set': method(AppSettings.partial().strict(), AppSettings, 'Change some preferences; answers them all; every window hears settings.changed'),
  },
  events: {
    'settings.changed': AppSettings,
  },
});
