import type { TrainingConfig } from './config.js';

/**
 * Learning rate of epoch `epoch` (0-based), constant within the epoch: linear warm-up
 * from lr/W to lr over the first W epochs, then a half cosine from lr down to
 * minLrRatio·lr, reached exactly on the last epoch.
 */
export function learningRateAt(epoch: number, config: Pick<TrainingConfig, 'epochs' | 'schedule'>, baseLr: number): number {
  const { epochs } = config;
  const { warmupEpochs, minLrRatio } = config.schedule;
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= epochs) throw new Error(`epoch ${epoch} is outside 0…${epochs - 1}`);
  if (epoch < warmupEpochs) return (baseLr * (epoch + 1)) / warmupEpochs;
  const decayEpochs = epochs - warmupEpochs - 1;
  const progress = decayEpochs > 0 ? (epoch - warmupEpochs) / decayEpochs : 1;
  const floor = baseLr * minLrRatio;
  return floor + (baseLr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
