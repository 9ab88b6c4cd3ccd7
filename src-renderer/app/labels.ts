import type { TFunction } from 'i18next';
import { batchTypes, type Batch } from '../../src-shared/contract/index.js';
import type { BatchPresenter } from './feature.js';
import { messageSlug } from './feature.js';

/** A job type in words (its feature's `jobTypes` message); an unknown type shows as it is. */
export function jobTypeLabel(t: TFunction, type: string): string {
  return t(`jobTypes.${messageSlug(type)}`, { defaultValue: type });
}

/** A batch type in words: the features' words for it, else the contract's noun, else the type as sent. */
export function batchTypeLabel(t: TFunction, type: string): string {
  const noun = Object.prototype.hasOwnProperty.call(batchTypes, type) ? batchTypes[type as keyof typeof batchTypes].noun.en : type;
  return t(`batchTypes.${messageSlug(type)}`, { defaultValue: noun });
}

/** A handler's stage name ('removing background') in words; one this UI does not know shows as sent. */
export function stageLabel(t: TFunction, stage: string): string {
  return t(`stages.${messageSlug(stage)}`, { defaultValue: stage });
}

/**
 * A failure in the UI language: the words for its machine-readable code when a feature
 * gave some (`errors.<code>`), else the engine's own text.
 */
export function errorText(t: TFunction, code: string | null | undefined, engineText: string | null | undefined): string {
  // English shows the engine's text as it is; other languages say that an untranslated engine error happened (the text stays in a title).
  const fallback = engineText ? t('errors.uncoded', { text: engineText }) : '';
  return code ? t(`errors.${messageSlug(code)}`, { defaultValue: fallback }) : fallback;
}

/**
 * A failed call's error in the UI language: the engine's contract errors carry a code
 * (not_found, conflict…). English keeps the engine's precise message; other languages
 * word the code, since the engine's message is English.
 */
export function callErrorText(t: TFunction, err: unknown): string {
  const message =
    err instanceof Error ? err.message : typeof err === 'object' && err !== null && 'message' in err ? String((err as { message: unknown }).message) : String(err);
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
  return code ? t(`callErrors.${messageSlug(code)}`, { message, defaultValue: t('errors.uncoded', { text: message }) }) : t('errors.uncoded', { text: message });
}

/** Whether `errorText` worded the failure itself (the engine's text is then worth showing beside it). */
export function hasErrorWords(t: TFunction, code: string | null | undefined): boolean {
  return !!code && t(`errors.${messageSlug(code)}`, { defaultValue: '' }) !== '';
}

/** A batch's own name: its presenter's words for it (from its detail), else the engine's label, else its type. */
export function batchName(t: TFunction, b: Batch, presenter: BatchPresenter | undefined, detail: unknown): string {
  return presenter?.title?.(t, b, detail) ?? b.label ?? batchTypeLabel(t, b.type);
}

/** What a batch is about, for toasts and the batch list, with its project. */
export function batchTitle(t: TFunction, b: Batch, presenter: BatchPresenter | undefined, detail: unknown, projectName?: string): string {
  const what = batchName(t, b, presenter, detail);
  return projectName && !what.includes(projectName) ? `${what} · ${projectName}` : what;
}
