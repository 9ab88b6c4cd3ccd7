import type { ImportService } from '../../import/import-service.js';
import type { SegmentDeps } from '../../ops/remove-background.js';

/**
 * What the engine's job handlers reach through ctx.services. A feature whose jobs need
 * one of its services adds it here and in Engine.open.
 */
export interface EngineJobServices {
  imports: ImportService;
  /** Background removal: library, store, models, inference and the image pool. */
  segment: SegmentDeps;
}
