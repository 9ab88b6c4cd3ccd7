import type { UploadStaging } from '../../engine/uploads.js';
import type { DatasetStore } from './dataset-store.js';
import type { DatasetFiles } from './export-import.js';

/** The datasets feature's API: the datasets with their splits, and their files in and out. */
export interface DatasetsApi {
  store: DatasetStore;
  files: DatasetFiles;
  /** Web mode's uploaded ZIPs (datasets.import by uploadId). */
  uploads: UploadStaging;
}
