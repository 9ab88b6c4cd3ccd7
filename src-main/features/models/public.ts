/** What other features may use of the model store. */
export { modelsFeature } from './index.js';
export { ModelUnavailableError, type ModelStore } from './model-store.js';
export type { ModelManifest } from './manifest.js';
