/** What other features may use of the models feature. */
export { ModelRepair } from './ModelRepair.js';
export { isUsable, modelChoiceLabel, refreshModels, useModels } from './queries.js';
