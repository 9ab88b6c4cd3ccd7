/**
 * The words for what the training engine reports (events, failures, refusals) and the
 * recipe's defaults, read from the contract's schema (the form opens on the engine's recipe).
 */
import type { TFunction } from 'i18next';
import { TrainingConfigSchema, type TrainingConfig, type TrainingRunEvent } from '../../../src-shared/contract/index.js';
import { callErrorText, errorText } from '../../app/labels.js';

export function defaultTrainingConfig(): TrainingConfig {
  return TrainingConfigSchema.parse({});
}

export function eventText(t: TFunction, e: TrainingRunEvent): string {
  return t(`training.event.${e.type}`, { epoch: e.epoch, window: e.window ?? 0, metric: e.metric ?? '' });
}

/** A run's failure in the UI language: by its code (the feature words every TrainingErrorCode); English keeps the engine's text. */
export function failureText(t: TFunction, code: string | null, engineText: string | null): string {
  return errorText(t, code, engineText);
}

/** A refused call (start, estimate) in the UI language. */
export function refusalText(t: TFunction, err: unknown): string {
  return callErrorText(t, err);
}
