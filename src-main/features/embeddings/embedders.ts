/**
 * The embedders the feature knows: every embedding manifest in native-models/ (the
 * offline default and the download catalog). Only the offline default is usable without
 * a download; it is built at first use into the library's model cache and kept loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, type EmbedderInfo } from '../../../src-shared/contract/index.js';
import { packageRoot } from '../../engine/package-root.js';
import { parseEmbedderManifest, type EmbedderManifest } from './embedder-spec.js';
import type { EmbedderHandle, ImageEmbedder } from './image-embedder.js';
import { OFFLINE_EMBEDDER_ID } from './offline-embedder.js';

export function readEmbedderManifests(dir = path.join(packageRoot, 'native-models')): EmbedderManifest[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'catalog.json')
    .map((f) => ({ f, json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { task?: unknown } }))
    .filter(({ json }) => json.task === 'embedding')
    .map(({ f, json }) => parseEmbedderManifest(json, f))
    .sort((a, b) => (a.id === OFFLINE_EMBEDDER_ID ? -1 : b.id === OFFLINE_EMBEDDER_ID ? 1 : a.id.localeCompare(b.id)));
}

export class Embedders {
  private readonly manifests: EmbedderManifest[];
  private offline: Promise<EmbedderHandle> | null = null;

  constructor(
    private readonly embedder: ImageEmbedder,
    private readonly cacheDir: string,
  ) {
    this.manifests = readEmbedderManifests();
  }

  list(): EmbedderInfo[] {
    return this.manifests.map((m) => ({
      id: m.id,
      name: m.name,
      dimension: m.embedder.dimension,
      installed: m.id === OFFLINE_EMBEDDER_ID,
      source: m.source.kind === 'build' ? 'offline' : 'download',
      licence: m.licence.name,
      description: m.description,
    }));
  }

  dimension(modelId: string): number {
    const m = this.manifests.find((x) => x.id === modelId);
    if (!m) throw new ContractError('not_found', `no embedder ${modelId}`);
    return m.embedder.dimension;
  }

  /** A usable embedder, or `model_unavailable` (catalog models are not downloaded by this feature yet). */
  async handle(modelId: string): Promise<EmbedderHandle> {
    this.dimension(modelId);
    if (modelId !== OFFLINE_EMBEDDER_ID) throw Object.assign(new ContractError('unavailable', `embedder ${modelId} is not installed (only the offline default can be used so far)`), { errorCode: 'model_unavailable' });
    this.offline ??= this.embedder.offlineDefault(this.cacheDir).catch((err: unknown) => {
      this.offline = null;
      throw err;
    });
    return this.offline;
  }
}
