import { datasetsContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { AddToDataset } from './AddToDataset.js';
import './datasets.css';
import { DatasetsPage } from './DatasetsPage.js';
import { datasetsIcon } from './icons.js';
import { useDatasetsLive } from './live.js';
import { en, tr } from './messages.js';

/** Datasets: the list of datasets and each dataset's page (products, splits, export, augmentation); "Add to dataset" in the products list's bulk bar. */
export const datasetsFeature = defineFeature({
  name: 'datasets',
  contract: datasetsContract,
  messages: { en, tr },
  // withProject: the route's id slot carries a dataset's id (#/datasets/<id>).
  routes: [{ page: 'datasets', order: 35, label: 'nav.datasets', icon: datasetsIcon, Page: DatasetsPage, withProject: true }],
  live: [useDatasetsLive],
  productBulkActions: [{ id: 'add-to-dataset', order: 10, Action: AddToDataset }],
});
