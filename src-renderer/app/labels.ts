import type { TFunction } from 'i18next';
import type { Batch, RemoveBackgroundRun } from '../../src-shared/contract/index.js';
import { presetOf } from '../features/remove-background/presets.js';
import { knownRun } from '../features/remove-background/run-store.js';

/** A job or batch type in words ('import.file' → "Import a file"); an unknown type shows as it is. */
export function typeLabel(t: TFunction, type: string): string {
  return t(`jobTypes.${type.replace(/[^a-z0-9]/gi, '_')}`, { defaultValue: type });
}

/**
 * A batch's own words: a background-removal run says its preset in the UI language (from
 * `run`, or the runs this window knows); anything else shows the engine's label.
 */
export function batchName(t: TFunction, b: Batch, run?: Pick<RemoveBackgroundRun, 'options'>): string {
  run ??= b.type === 'remove-background' ? knownRun(b.id) : undefined;
  const preset = run ? presetOf(run.options) : null;
  if (preset) return t('segment.runTitle', { preset: t(`presets.${preset}`) });
  // Otherwise the engine's label (English), else the type.
  return b.label ?? typeLabel(t, b.type);
}

/** What a batch is about, for toasts and the batch list, with its project. */
export function batchTitle(t: TFunction, b: Batch, projectName?: string, run?: Pick<RemoveBackgroundRun, 'options'>): string {
  const what = batchName(t, b, run);
  return projectName && !what.includes(projectName) ? `${what} · ${projectName}` : what;
}

/** A handler's stage name ('removing background') in words; one this UI does not know shows as sent. */
export function stageLabel(t: TFunction, stage: string): string {
  return t(`stages.${stage.replace(/[^a-z0-9]/gi, '_')}`, { defaultValue: stage });
}
