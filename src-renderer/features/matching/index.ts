import { defineFeature } from '../../app/feature.js';
import { placeholderPage } from '../../ui/PlaceholderPage.js';
import { matchingIcon } from './icons.js';
import { en, tr } from './messages.js';

/** Not built yet: its nav entry and a page that says what it will hold. */
export const matchingFeature = defineFeature({
  name: 'matching',
  messages: { en, tr },
  routes: [{ page: 'matching', order: 30, label: 'nav.matching', icon: matchingIcon, Page: placeholderPage('matching', 'matching.title', 'matching.body') }],
});
