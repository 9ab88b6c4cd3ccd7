import { defineFeature } from '../../app/feature.js';
import { placeholderPage } from '../../ui/PlaceholderPage.js';
import { trainingIcon } from './icons.js';
import { en, tr } from './messages.js';

/**
 * The Training page (TrainingPage.tsx) is built against the training contract slice; until
 * that slice is merged into src-shared/contract/index.ts this entry keeps the placeholder.
 */
export const trainingFeature = defineFeature({
  name: 'training',
  messages: { en, tr },
  routes: [{ page: 'training', order: 40, label: 'nav.training', icon: trainingIcon, Page: placeholderPage('training', 'training.title', 'training.intro') }],
});
