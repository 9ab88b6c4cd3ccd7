import type { Queue } from '../queue.js';
import { importFileJob } from './import-file.js';
import { importBatchType, importScanJob } from './import-scan.js';
import { segmentBatchType, segmentImageJob } from './segment.js';
import type { EngineJobServices } from './services.js';

/** Every job type the engine runs. Adding one: a file here and a line below. */
export function registerEngineJobs(queue: Queue<EngineJobServices>): void {
  queue.register(importScanJob);
  queue.register(importFileJob);
  queue.registerBatchType(importBatchType);
  queue.register(segmentImageJob);
  queue.registerBatchType(segmentBatchType);
}
