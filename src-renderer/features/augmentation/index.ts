import { augmentationContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { useAugmentationLive } from './live.js';
import { en, tr } from './messages.js';
import { ProductAugmented } from './ProductAugmented.js';
import './augmentation.css';

/** Augmentation runs: the dialog and reports live on a dataset's page (AugmentationPanel, through public.ts); here its words, batches and live refresh. */
export const augmentationFeature = defineFeature({
  name: 'augmentation',
  contract: augmentationContract,
  messages: { en, tr },
  live: [useAugmentationLive],
  batchPresenters: { 'augmentation.run': { toast: true } },
  productPanels: [{ id: 'augmented-by-dataset', order: 50, Panel: ProductAugmented }],
});
