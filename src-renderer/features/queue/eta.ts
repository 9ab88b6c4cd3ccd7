import type { Batch } from '../../../src-shared/contract/index.js';

/** The rate is measured over this much recent history: a batch that speeds up or slows down shows it soon. */
const WINDOW_MS = 60_000;
/** An estimate from fewer finished jobs than this jumps about too much to show. */
const MIN_SAMPLES = 3;

interface Sample {
  at: number;
  finished: number;
}

/**
 * Time left for running batches (the Queue page's rows and a feature's banner share one
 * meter, so both say the same) from the rate this window measured (jobs finished per
 * second, over the last minute), not from a guess per job type: the same image takes
 * 0.3 s on one machine and 3 s on another.
 */
export function createEtaMeter(now: () => number = Date.now) {
  const history = new Map<string, Sample[]>();
  return {
    /** Seconds left, or null while there is no rate to go by (just started, finished, paused). */
    secondsLeft(batch: Pick<Batch, 'id' | 'state' | 'paused' | 'total' | 'completed' | 'failed' | 'cancelled'>): number | null {
      const finished = batch.completed + batch.failed + batch.cancelled;
      if (batch.state !== 'running' || batch.paused || finished >= batch.total) {
        history.delete(batch.id);
        return null;
      }
      const t = now();
      const samples = history.get(batch.id) ?? [];
      if (samples.at(-1)?.finished !== finished) samples.push({ at: t, finished });
      while (samples.length > MIN_SAMPLES && t - samples[0]!.at > WINDOW_MS) samples.shift();
      history.set(batch.id, samples);
      if (samples.length < MIN_SAMPLES) return null;
      const first = samples[0]!;
      const last = samples.at(-1)!;
      const rate = (last.finished - first.finished) / ((last.at - first.at) / 1000);
      if (!(rate > 0)) return null;
      return (batch.total - finished) / rate;
    },
  };
}

export const etaMeter = createEtaMeter();

/** "about 40 s" / "about 3 min" in the UI's language. */
export function formatEta(seconds: number, language: string): string {
  if (seconds < 60) return new Intl.NumberFormat(language, { style: 'unit', unit: 'second', unitDisplay: 'short' }).format(Math.max(1, Math.round(seconds / 5) * 5));
  if (seconds < 3600) return new Intl.NumberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'short' }).format(Math.round(seconds / 60));
  return new Intl.NumberFormat(language, { style: 'unit', unit: 'hour', unitDisplay: 'short', maximumFractionDigits: 1 }).format(seconds / 3600);
}
