/** What other features may use of augmentation. */
export { augmentationFeature } from './index.js';
export type { AugmentationService } from './service.js';
export { AUGMENT_VERSION, type AppliedOps } from './augment.js';
