/** What other features may use of training. */
export { trainingFeature } from './index.js';
export type { TrainingService } from './service.js';
