/** What other features may use of background removal. */
export { removeBackgroundFeature } from './index.js';
export type { RemoveBackgroundService } from './service.js';
export { OPERATION as REMOVE_BACKGROUND_OPERATION } from './remove-background.js';
