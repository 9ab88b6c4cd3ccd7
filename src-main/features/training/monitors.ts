/**
 * Plateau and divergence detection over the per-epoch history (window of 5 by default).
 * They raise events for the caller (stop early, lower the learning rate, tell the user);
 * they do not stop the run themselves.
 */
import type { TrainingConfig } from './config.js';

export interface EpochRecord {
  epoch: number;
  lr: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  gradNorm: number;
  seconds: number;
  /** recall@k of valid real queries against the gallery, EMA weights. */
  recall: Record<string, number>;
  /** recall@k of synthetic rows as queries against real gallery rows (null without synthetic rows). */
  syntheticToReal: Record<string, number> | null;
}

export interface MonitorState {
  onPlateau: boolean;
  diverging: boolean;
}

export type MonitorEvent =
  | { type: 'plateau'; epoch: number; window: number; best: number; recent: number; metric: 'recall@1' | 'loss' }
  | { type: 'divergence'; epoch: number; window: number; meanLoss: number; bestMeanLoss: number };

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Events raised by the latest record of `history`; updates `state` (events fire once per stretch). */
export function checkMonitors(history: readonly EpochRecord[], state: MonitorState, guards: TrainingConfig['guards']): MonitorEvent[] {
  const { window, divergenceTolerance, plateauMinDelta } = guards;
  const events: MonitorEvent[] = [];
  const n = history.length;
  if (n <= window) return events;
  const epoch = history[n - 1]!.epoch;

  // Plateau: the last `window` epochs did not beat the best before them (recall@1, or the loss without queries).
  const useRecall = history.every((h) => Number.isFinite(h.recall['1']));
  const score = (h: EpochRecord) => (useRecall ? h.recall['1']! : -h.loss);
  const before = Math.max(...history.slice(0, n - window).map(score));
  const recent = Math.max(...history.slice(n - window).map(score));
  const flat = recent < before + plateauMinDelta;
  if (flat && !state.onPlateau) events.push({ type: 'plateau', epoch, window, best: useRecall ? before : -before, recent: useRecall ? recent : -recent, metric: useRecall ? 'recall@1' : 'loss' });
  state.onPlateau = flat;

  // Divergence: the mean loss of the last window rose well above the best window mean so far.
  const means: number[] = [];
  for (let end = window; end <= n; end++) means.push(mean(history.slice(end - window, end).map((h) => h.loss)));
  const latest = means[means.length - 1]!;
  const best = Math.min(...means);
  const diverging = !Number.isFinite(latest) || latest > best * (1 + divergenceTolerance);
  if (diverging && !state.diverging) events.push({ type: 'divergence', epoch, window, meanLoss: latest, bestMeanLoss: best });
  state.diverging = diverging;
  return events;
}
