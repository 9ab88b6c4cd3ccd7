/**
 * The renderer's features, handed to the generic App by main.tsx. Adding a feature is
 * its folder under src-renderer/features/ and one entry here. The order is the order of
 * their stylesheets and shell components; nav order is each route's own `order`.
 */
import type { RendererFeature } from '../app/feature.js';
import { embeddingsFeature } from './embeddings/index.js';
import { augmentationFeature } from './augmentation/index.js';
import { datasetsFeature } from './datasets/index.js';
import { exportFeature } from './export/index.js';
import { importFeature } from './import/index.js';
import { libraryFeature } from './library/index.js';
import { matchingFeature } from './matching/index.js';
import { modelsFeature } from './models/index.js';
import { productsFeature } from './products/index.js';
import { queueFeature } from './queue/index.js';
import { removeBackgroundFeature } from './remove-background/index.js';
import { settingsFeature } from './settings/index.js';
import { trainingFeature } from './training/index.js';
import { videosFeature } from './videos/index.js';

export const features: readonly RendererFeature[] = [
  libraryFeature,
  importFeature,
  removeBackgroundFeature,
  exportFeature,
  productsFeature,
  videosFeature,
  modelsFeature,
  queueFeature,
  embeddingsFeature,
  matchingFeature,
  trainingFeature,
  settingsFeature,
  datasetsFeature,
  augmentationFeature,
];
