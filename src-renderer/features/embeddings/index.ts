import { embeddingsContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import './embeddings.css';
import { EmbeddingsPage } from './EmbeddingsPage.js';
import { embeddingsIcon } from './icons.js';
import { useEmbeddingsLive } from './live.js';
import { en, tr } from './messages.js';

/** Embeddings in the UI: the Embeddings page (extract, indexes, extraction jobs) and how its jobs and batches read on the Queue page. */
export const embeddingsFeature = defineFeature({
  name: 'embeddings',
  contract: embeddingsContract,
  messages: { en, tr },
  routes: [{ page: 'embeddings', order: 28, label: 'nav.embeddings', icon: embeddingsIcon, Page: EmbeddingsPage }],
  live: [useEmbeddingsLive],
  batchPresenters: { embeddings: { toast: false } },
});
