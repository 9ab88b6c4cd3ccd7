/** What other features may use of videos. */
export { videosFeature } from './index.js';
export type { VideosApi } from './api.js';
export type { SecretBox } from './metadata/secret-box.js';
export type { CutoutMaker } from './cutout.js';
