/**
 * The composition root of the engine's features: every capability the app runs, in
 * dependency order (a feature uses only those above it). Adding a feature is one import
 * and one entry below; core (src-main/engine/) never imports this file.
 */
import { Engine, type EngineOptions } from '../engine/engine.js';
import type { EngineFeature } from '../engine/feature.js';
import { embeddingsFeature } from './embeddings/index.js';
import { exportFeature } from './export/index.js';
import { importFeature } from './import/index.js';
import { libraryFeature } from './library/index.js';
import { matchingFeature } from './matching/index.js';
import { modelsFeature } from './models/index.js';
import { productsFeature } from './products/index.js';
import { removeBackgroundFeature } from './remove-background/index.js';
import { videosFeature } from './videos/index.js';
import { datasetsFeature } from './datasets/index.js';
import { augmentationFeature } from './augmentation/index.js';
import { settingsFeature } from './settings/index.js';
import { trainingFeature } from './training/index.js';

export const engineFeatures: readonly EngineFeature[] = [libraryFeature, importFeature, modelsFeature, removeBackgroundFeature, exportFeature, productsFeature, videosFeature, datasetsFeature, embeddingsFeature, matchingFeature, augmentationFeature, trainingFeature, settingsFeature];

/** Opens the engine with every feature (the app, the CLI, the server, tests of the whole). */
export function openEngine(options: Omit<EngineOptions, 'features'> = {}): Promise<Engine> {
  return Engine.open({ ...options, features: engineFeatures });
}
