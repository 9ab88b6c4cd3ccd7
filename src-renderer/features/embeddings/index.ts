import { embeddingsContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { en, tr } from './messages.js';

/**
 * Embeddings in the UI: so far only how its extraction jobs and batches read on the Queue
 * page (the Embeddings page — extract, indexes, jobs — is still to be built).
 */
export const embeddingsFeature = defineFeature({
  name: 'embeddings',
  contract: embeddingsContract,
  messages: { en, tr },
  batchPresenters: { embeddings: { toast: false } },
});
