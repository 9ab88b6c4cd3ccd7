/** What other features may use of embeddings and vector indexes. */
export { embeddingsFeature } from './index.js';
export type { EmbeddingsApi } from './api.js';
export type { ScopeItem } from './scope-items.js';
export type { IndexRecord } from './index-registry.js';
export type { EmbedderSource } from './embedders.js';
export type { EmbedderHandle } from './image-embedder.js';
export { loadOfflineEmbedderInProcess, type InProcessEmbedder } from './in-process-embedder.js';
export { OFFLINE_EMBEDDER_ID, OFFLINE_EMBEDDER_320_ID } from './offline-embedder.js';
export { buildFineTunedOfflineEmbedder, fineTunedBackboneHandle, isFineTunableEmbedder, loadOfflineTailMapsInProcess, offlineTailLayerNames, offlineTailMapBytes, readOfflineTail, type OfflineTail, type TailMapsInProcess } from './offline-tail.js';
export { TailMapCache } from './tail-map-cache.js';
