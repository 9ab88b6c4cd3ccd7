import type { AugmentKind } from '../../../src-shared/contract/index.js';

/** A source image of one kind, and what augmentation already made from it in this dataset. */
export interface SourceState {
  imageId: string;
  /** Live outputs recorded with this source as their origin. */
  existing: number;
  /** The next index to use: past every output ever recorded for it, deleted ones included. */
  nextIndex: number;
}

export interface PlannedOutput {
  kind: AugmentKind;
  sourceImageId: string;
  index: number;
}

export interface KindPlan {
  kind: AugmentKind;
  target: number;
  sources: number;
  existing: number;
  missing: number;
  outputs: PlannedOutput[];
}

/**
 * The idempotent top-up for one product and kind: missing = target − existing outputs
 * (originals do not count), spread as ceil(missing / sources) per source, each source
 * continuing its own index. The last sources get fewer when the ceiling would overshoot,
 * so a product ends at the target exactly rather than up to sources − 1 above it.
 */
export function planTopUp(kind: AugmentKind, target: number, sources: readonly SourceState[], existingOfGoneSources = 0): KindPlan {
  // Outputs whose source image was removed since still count: they are in the dataset.
  const existing = sources.reduce((n, s) => n + s.existing, 0) + existingOfGoneSources;
  const missing = Math.max(0, target - existing);
  const outputs: PlannedOutput[] = [];
  if (missing > 0 && sources.length > 0) {
    const each = Math.ceil(missing / sources.length);
    let left = missing;
    for (const s of sources) {
      const take = Math.min(each, left);
      for (let k = 0; k < take; k++) outputs.push({ kind, sourceImageId: s.imageId, index: s.nextIndex + k });
      left -= take;
      if (left === 0) break;
    }
  }
  return { kind, target, sources: sources.length, existing, missing, outputs };
}
