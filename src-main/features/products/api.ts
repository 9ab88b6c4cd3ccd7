import { ContractError, type ExportFormat, type ImportReport } from '../../../src-shared/contract/index.js';
import type { UploadStaging } from '../../engine/uploads.js';
import type { ProductCatalog } from './catalog.js';
import { applyCatalogRows, exportToFile, readCatalogFile } from './catalog-files.js';

/** The products feature's API: the catalog itself, and its files in and out. */
export interface ProductsApi {
  catalog: ProductCatalog;
  importFile(input: { path?: string; uploadId?: string; format?: 'csv' | 'json'; mapping?: Record<string, string>; dryRun?: boolean }): Promise<ImportReport>;
  exportTo(destPath: string, format: ExportFormat, ids: readonly string[]): Promise<{ path: string; bytes: number; products: number }>;
}

export function productsApi(catalog: ProductCatalog, db: Parameters<typeof applyCatalogRows>[1], uploads: UploadStaging): ProductsApi {
  return {
    catalog,
    async importFile(input) {
      if (input.uploadId && !(await uploads.exists(input.uploadId))) throw new ContractError('not_found', `no upload ${input.uploadId}`);
      const file = input.path ?? uploads.pathOf(input.uploadId!);
      const read = await readCatalogFile(file, input.format, input.mapping);
      const applied = applyCatalogRows(catalog, db, read.rows, input.dryRun ?? false);
      if (input.uploadId && !input.dryRun) await uploads.discard([input.uploadId]);
      const refused = [...read.refused, ...applied.refused].sort((a, b) => a.row - b.row);
      return { rows: read.rows.length + read.refused.length, created: applied.created, updated: applied.updated, unchanged: applied.unchanged, refused, mapping: read.mapping };
    },
    exportTo: (destPath, format, ids) => exportToFile(catalog, ids, format, destPath),
  };
}
