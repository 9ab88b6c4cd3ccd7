/** What other features may use of settings. */
export { settingsFeature } from './index.js';
export type { SettingsStore } from './settings-store.js';
