import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import { jobsWith, type CommitContext } from '../../../engine/queue/types.js';
import type { ScannedFile, SkippedEntry } from '../scan.js';

/** What a scan found: the files to import, and what it skipped under the dropped folders, with the reason. */
export interface ScanFound {
  files: ScannedFile[];
  skipped: SkippedEntry[];
}

/** What the scan job needs of the import service (declared here, so the service can name the job without an import cycle). */
export interface ScanServices {
  scanSources(importId: string): Promise<ScanFound>;
  beginFiles(ctx: CommitContext<ScanServices>, importId: string, found: ScanFound): void;
}

/**
 * The first child of an import batch: expands the dropped folders into files. Its commit
 * adds one `import.file` child per file (and a skipped row per unreadable entry) in the
 * same transaction that completes it, so a crash either leaves the scan to run again or
 * every file queued exactly once.
 */
export const importScanJob = jobsWith<ScanServices>()({
  type: 'import.scan',
  payload: z.object({ importId: Id }),
  resource: 'io',
  priority: 'normal',
  label: () => 'scan dropped files',
  async run({ importId }, ctx): Promise<ScanFound> {
    ctx.progress('scanning');
    return ctx.services.scanSources(importId);
  },
  commit(ctx, { importId }, found) {
    ctx.services.beginFiles(ctx, importId, found);
  },
  storeResult: (found) => ({ files: found.files.length, skipped: found.skipped.length }),
});
