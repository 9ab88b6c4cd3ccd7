/** What other features may use of the library. */
export { libraryFeature } from './index.js';
export type { Library, NewAsset } from './library.js';
