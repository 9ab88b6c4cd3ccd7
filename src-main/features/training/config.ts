/**
 * The training recipe, one typed and validated object. Defaults follow the production
 * PyTorch trainer this module is faithful to; the head learning rate and the epoch count
 * were measured here on the grocery-store set (bench/train.ts, see the report in
 * docs/benchmarks.md once the lead records it). Every field can be overridden.
 */
import { TrainingConfigSchema, type TrainingConfigInput, type TrainingConfig } from '../../../src-shared/contract/training.js';

/**
 * The schema lives in the contract (src-shared/contract/training.ts) so the engine, the
 * Training page and the CLI validate one recipe; add a field there.
 */
export { LARGE_BACKBONE_PROJECTION_DIM, TrainingConfigSchema, type TrainingConfig, type TrainingConfigInput } from '../../../src-shared/contract/training.js';

/** Validates and fills defaults; throws a readable error naming the bad field. */
export function parseTrainingConfig(input: TrainingConfigInput = {}): TrainingConfig {
  const result = TrainingConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new Error(`invalid training config: ${issues}`);
  }
  return result.data;
}
