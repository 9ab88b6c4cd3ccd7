import { defineFeature } from '../../app/feature.js';
import { trainingIcon } from './icons.js';
import { useTrainingLive } from './live.js';
import { en, tr } from './messages.js';
import './training.css';
import { TrainingPage } from './TrainingPage.js';

/** Training: start a run on a dataset, follow it live (charts, events), and manage the models runs made. */
export const trainingFeature = defineFeature({
  name: 'training',
  messages: { en, tr },
  routes: [{ page: 'training', order: 40, label: 'nav.training', icon: trainingIcon, Page: TrainingPage }],
  live: [useTrainingLive],
});
