/**
 * The training form's fields: where each lives in the recipe (a dotted path into the
 * contract's training config), the control a practitioner expects for it and its sensible
 * range. Defaults are not repeated here: they come from the contract's schema, so the
 * form always opens on the engine's recipe.
 */
import { TRAINING_VIEW_NAMES } from '../../../src-shared/contract/training.js';

export type FieldValue = number | boolean | string | readonly string[];

interface FieldBase {
  /** Dotted path into the config (`arcface.margin`); also the i18n key under `training.field`. */
  path: string;
  advanced?: boolean;
}

export interface NumberField extends FieldBase {
  kind: 'slider' | 'number';
  min: number;
  max: number;
  step: number;
  /** Shown as a percentage (probabilities). */
  percent?: boolean;
  /** Typed in scientific notation (learning rates). */
  scientific?: boolean;
}

export interface ChoiceField extends FieldBase {
  kind: 'select';
  options: readonly (string | number)[];
}

export interface ToggleField extends FieldBase {
  kind: 'toggle';
}

/** Any number of the options, in the options' order (a set of checkboxes). */
export interface MultiChoiceField extends FieldBase {
  kind: 'multi';
  options: readonly string[];
}

export type ConfigField = NumberField | ChoiceField | ToggleField | MultiChoiceField;

export const CONFIG_FIELDS: readonly ConfigField[] = [
  { path: 'epochs', kind: 'number', min: 1, max: 500, step: 1 },
  { path: 'batchSize', kind: 'number', min: 4, max: 1024, step: 1 },
  { path: 'projection.dim', kind: 'select', options: [64, 128, 256, 512, 768, 1024] },
  { path: 'optimizer.headLr', kind: 'number', min: 1e-6, max: 0.1, step: 1e-6, scientific: true },
  { path: 'projection.dropout', kind: 'slider', min: 0, max: 0.6, step: 0.05 },
  { path: 'arcface.scale', kind: 'slider', min: 8, max: 64, step: 1 },
  { path: 'arcface.margin', kind: 'slider', min: 0, max: 0.8, step: 0.01 },
  { path: 'labelSmoothing', kind: 'slider', min: 0, max: 0.5, step: 0.01 },
  { path: 'schedule.warmupEpochs', kind: 'number', min: 0, max: 50, step: 1 },
  { path: 'seed', kind: 'number', min: 0, max: 2 ** 31 - 1, step: 1 },

  { path: 'arcface.easyMargin', kind: 'toggle', advanced: true },
  { path: 'projection.hiddenDim', kind: 'number', min: 0, max: 4096, step: 64, advanced: true },
  { path: 'projection.batchNorm', kind: 'toggle', advanced: true },
  { path: 'projection.standardiseInputs', kind: 'toggle', advanced: true },
  { path: 'projection.ldaMix', kind: 'slider', min: 0, max: 1, step: 0.05, advanced: true },
  { path: 'projection.ldaShrinkage', kind: 'slider', min: 0, max: 1, step: 0.05, advanced: true },
  { path: 'data.views', kind: 'multi', options: TRAINING_VIEW_NAMES, advanced: true },
  { path: 'backbone.fineTune', kind: 'toggle', advanced: true },
  { path: 'backbone.layers', kind: 'select', options: [1, 2], advanced: true },
  { path: 'optimizer.backboneLr', kind: 'number', min: 1e-7, max: 1e-2, step: 1e-7, scientific: true, advanced: true },
  { path: 'backbone.layerDecay', kind: 'slider', min: 0.05, max: 1, step: 0.05, advanced: true },
  { path: 'optimizer.weightDecay', kind: 'number', min: 0, max: 0.5, step: 0.001, advanced: true },
  { path: 'optimizer.beta1', kind: 'number', min: 0, max: 0.999, step: 0.001, advanced: true },
  { path: 'optimizer.beta2', kind: 'number', min: 0, max: 0.99999, step: 0.0001, advanced: true },
  { path: 'schedule.minLrRatio', kind: 'slider', min: 0, max: 0.2, step: 0.005, percent: true, advanced: true },
  { path: 'gradientClipNorm', kind: 'number', min: 0.05, max: 10, step: 0.05, advanced: true },
  { path: 'emaDecay', kind: 'number', min: 0.9, max: 0.9999, step: 0.0005, advanced: true },
  { path: 'sampler.realToSyntheticProbability', kind: 'slider', min: 0, max: 1, step: 0.01, percent: true, advanced: true },
  { path: 'sampler.hardNegativeProducts', kind: 'number', min: 0, max: 20, step: 1, advanced: true },
  { path: 'sampler.neighbourPool', kind: 'number', min: 1, max: 50, step: 1, advanced: true },
  { path: 'sampler.negativeSelection', kind: 'select', options: ['hardest', 'random'], advanced: true },
  { path: 'guards.maxLoss', kind: 'number', min: 1, max: 10_000, step: 1, advanced: true },
  { path: 'guards.window', kind: 'number', min: 2, max: 50, step: 1, advanced: true },
  { path: 'backend', kind: 'select', options: ['wasm', 'cpu'], advanced: true },
];

/** The i18n key segment of a path (i18next reads dots as nesting). */
export function fieldKey(path: string): string {
  return path.replace(/\./g, '_');
}

export function getPath(obj: unknown, path: string): unknown {
  let at: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The nested config object the engine takes, from the form's flat values (only the fields the form shows). */
export function toConfig(values: Readonly<Record<string, FieldValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1]!] = value;
  }
  return out;
}

/** The form's flat values from a full config (the contract's defaults, or a run's config to train again). */
export function fromConfig(config: unknown): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of CONFIG_FIELDS) {
    const v = getPath(config, f.path);
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[f.path] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[f.path] = [...v];
  }
  return out;
}

export type FieldProblem = { path: string; kind: 'range'; min: number; max: number } | { path: string; kind: 'warmup' } | { path: string; kind: 'batch'; group: number };

/**
 * What is wrong with the form before the engine is asked: each number in its range, and
 * the recipe's two cross-field rules (the engine checks the same and says so if asked).
 */
export function checkFields(values: Readonly<Record<string, FieldValue>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const f of CONFIG_FIELDS) {
    if (f.kind !== 'slider' && f.kind !== 'number') continue;
    const v = values[f.path];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < f.min || v > f.max) problems.push({ path: f.path, kind: 'range', min: f.min, max: f.max });
  }
  const epochs = values['epochs'];
  const warmup = values['schedule.warmupEpochs'];
  if (typeof epochs === 'number' && typeof warmup === 'number' && epochs > 1 && warmup >= epochs) problems.push({ path: 'schedule.warmupEpochs', kind: 'warmup' });
  const batch = values['batchSize'];
  const negatives = values['sampler.hardNegativeProducts'];
  if (typeof batch === 'number' && typeof negatives === 'number' && batch < 2 + negatives) problems.push({ path: 'batchSize', kind: 'batch', group: 2 + negatives });
  return problems;
}
