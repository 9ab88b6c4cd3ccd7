import type { RemoveBackgroundOptions, RemoveBackgroundOptionsInput } from '../../../src-shared/contract/index.js';
import { storageGet, storageSet } from '../../app/storage.js';

/**
 * The output presets offered in the Remove background dialog, each a set of the
 * contract's RemoveBackgroundOptions (the engine fills in the rest with its defaults).
 */
export const uiPresets = {
  'cutout-png': { preset: 'cutout', format: 'png' },
  'cutout-webp': { preset: 'cutout', format: 'webp' },
  mask: { preset: 'mask' },
  white: { preset: 'white', shadow: true },
  crop: { preset: 'crop', margin: 0.05 },
  // No forced canvas: the square follows the product's own resolution (a small photo is never blown up unasked).
  square: { preset: 'square', canvas: null, fill: 0.85, shadow: true },
} satisfies Record<string, RemoveBackgroundOptionsInput>;

export type UiPreset = keyof typeof uiPresets;
export const uiPresetNames = Object.keys(uiPresets) as UiPreset[];

const STORAGE_KEY = 'atolye.segmentPreset';

export function lastPreset(): UiPreset {
  const stored = storageGet(STORAGE_KEY);
  return stored && stored in uiPresets ? (stored as UiPreset) : 'cutout-png';
}

export function rememberPreset(p: UiPreset): void {
  storageSet(STORAGE_KEY, p);
}

/** The UI preset that produced these options (for labels of runs and results). */
export function presetOf(options: Pick<RemoveBackgroundOptions, 'preset' | 'format'> | null): UiPreset | null {
  if (!options) return null;
  if (options.preset === 'cutout') return options.format === 'webp' ? 'cutout-webp' : 'cutout-png';
  return options.preset;
}

/** A failure that means the model itself cannot run (missing or damaged file, not installed). */
export function isModelProblem(message: string | null | undefined): boolean {
  return !!message && /model .* cannot run|the file of model|model .* is (missing|corrupt|failed|available|manual|downloading)|install it from the Models page/i.test(message);
}
