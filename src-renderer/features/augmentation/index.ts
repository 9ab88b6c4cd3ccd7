import { augmentationContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { useAugmentationLive } from './live.js';
import { en, tr } from './messages.js';
import { ProductAugmentedTab } from './ProductAugmentedTab.js';
import { AUGMENTED_TAB_PANEL } from './public.js';
import './augmentation.css';

/** Augmentation runs: the dialog and reports live on a dataset's page (AugmentationPanel, through public.ts); here its words, batches and live refresh. */
export const augmentationFeature = defineFeature({
  name: 'augmentation',
  contract: augmentationContract,
  messages: { en, tr },
  live: [useAugmentationLive],
  batchPresenters: { 'augmentation.run': { toast: true } },
  // Shown by the products page inside its Augmented tab (not beside the status card).
  productPanels: [{ id: AUGMENTED_TAB_PANEL, order: 50, Panel: ProductAugmentedTab }],
});
