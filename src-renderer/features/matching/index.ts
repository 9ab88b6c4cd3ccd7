import { defineFeature } from '../../app/feature.js';
import { matchingIcon } from './icons.js';
import { useMatchingLive } from './live.js';
import './matching.css';
import { MatchingPage } from './MatchingPage.js';
import { en, tr } from './messages.js';

/** The reviewer's cockpit: products waiting for matching, their candidates from a pool, decisions by keyboard. */
export const matchingFeature = defineFeature({
  name: 'matching',
  messages: { en, tr },
  routes: [{ page: 'matching', order: 30, label: 'nav.matching', icon: matchingIcon, Page: MatchingPage }],
  live: [useMatchingLive],
});
