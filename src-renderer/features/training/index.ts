import { defineFeature } from '../../app/feature.js';
import { placeholderPage } from '../../ui/PlaceholderPage.js';
import { trainingIcon } from './icons.js';
import { en, tr } from './messages.js';

/** Not built yet: its nav entry and a page that says what it will hold. */
export const trainingFeature = defineFeature({
  name: 'training',
  messages: { en, tr },
  routes: [{ page: 'training', order: 40, label: 'nav.training', icon: trainingIcon, Page: placeholderPage('training', 'training.title', 'training.body') }],
});
