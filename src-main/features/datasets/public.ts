/** What other features may use of datasets. */
export { datasetsFeature } from './index.js';
export type { DatasetsApi } from './api.js';
export type { DatasetStore, Member as DatasetMember } from './dataset-store.js';
export type { DatasetFiles, ExportExtra } from './export-import.js';
export { originOf, type AugmentOrigin } from './layout.js';
