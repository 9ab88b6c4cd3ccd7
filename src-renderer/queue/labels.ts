import type { TFunction } from 'i18next';
import type { Batch } from '../../src-shared/contract/index.js';

/** A job or batch type in words ('import.file' → "Import a file"); an unknown type shows as it is. */
export function typeLabel(t: TFunction, type: string): string {
  return t(`jobTypes.${type.replace(/[^a-z0-9]/gi, '_')}`, { defaultValue: type });
}

/** What a batch is about, for toasts and the batch list: its label, else its type, and the project. */
export function batchTitle(t: TFunction, b: Batch, projectName?: string): string {
  const what = b.label ?? typeLabel(t, b.type);
  return projectName && !what.includes(projectName) ? `${what} · ${projectName}` : what;
}
