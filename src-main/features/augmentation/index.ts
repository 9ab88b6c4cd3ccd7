/** Augmentation: synthetic images from cut-outs and variants of real photos (see augment.ts). */
export { AUGMENT_VERSION, configHash, realVariant, synthesize, type AppliedOps, type AugmentResult, type RealVariantOptions, type SynthesizeOptions } from './augment.js';
export { createAugmentPool, type AugmentRequest, type AugmentResponse, type ImageSource } from './augment-pool.js';
export { bundledBackgroundsDir, listBackgrounds, type BackgroundRecord, type BackgroundRef } from './backgrounds.js';
export { isLetterboxed, readBorders, readBordersOf, type BorderReading } from './border-test.js';
export { EmptyCutoutError } from './compose.js';
export { AugmentConfigSchema, DEFAULT_AUGMENT_CONFIG, resolveConfig, type AugmentConfig, type AugmentConfigOverrides } from './config.js';
export type { Op, Step } from './ops.js';
export { AugmentInputError, decode, type RawImage } from './raw-image.js';
