import { defineFeature } from '../../app/feature.js';
import { settingsIcon } from './icons.js';
import { useLibrarySettings } from './library-settings.js';
import { en, tr } from './messages.js';
import { SettingsPage } from './SettingsPage.js';

/** Language, theme, what the engine runs on, and the way to the shortcut sheet. */
export const settingsFeature = defineFeature({
  name: 'settings',
  messages: { en, tr },
  live: [useLibrarySettings],
  routes: [{ page: 'settings', order: 70, label: 'nav.settings', icon: settingsIcon, Page: SettingsPage }],
});
