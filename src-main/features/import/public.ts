/** What other features may use of import. */
export { importFeature } from './index.js';
export type { ImportService } from './import-service.js';
export { skippedBy, waitForImport } from './cli-import.js';
