import { modelsContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { modelsIcon } from './icons.js';
import { useModelsLive } from './live.js';
import { en, tr } from './messages.js';
import './models.css';
import { ModelsPage } from './ModelsPage.js';

/** The models the engine runs: install, import, default per task, and the inference runtime. */
export const modelsFeature = defineFeature({
  name: 'models',
  contract: modelsContract,
  messages: { en, tr },
  routes: [{ page: 'models', order: 50, label: 'nav.models', icon: modelsIcon, Page: ModelsPage }],
  live: [useModelsLive],
});
