/**
 * The embedders the feature knows: the offline default (its manifest in native-models/,
 * built at first use into the library's model cache and kept loaded) and every embedder
 * of the model store (the download catalog, installed through models.download, and the
 * user's own imported .onnx files). A store embedder is usable once its file is installed;
 * its manifest's spec (resizing, normalisation, pooling) is validated here when it is run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, type EmbedderInfo } from '../../../src-shared/contract/index.js';
import { packageRoot } from '../../engine/package-root.js';
import type { ModelStore } from '../models/public.js';
import { EmbedderSpec, parseEmbedderManifest, toModelRef, type EmbedderManifest } from './embedder-spec.js';
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
  /** Built here from an npm package (the offline default); the model store knows the rest. */
  private readonly builtIn: EmbedderManifest[];
  private offline: Promise<EmbedderHandle> | null = null;

  constructor(
    private readonly embedder: ImageEmbedder,
    private readonly cacheDir: string,
    private readonly models: ModelStore,
  ) {
    this.builtIn = readEmbedderManifests().filter((m) => m.source.kind === 'build');
  }

  list(): EmbedderInfo[] {
    const builtIn = this.builtIn.map((m) => ({
      id: m.id,
      name: m.name,
      dimension: m.embedder.dimension,
      installed: true,
      source: 'offline' as const,
      licence: m.licence.name,
      description: m.description,
    }));
    const stored = this.models.embedders().map(({ info, manifest }) => ({
      id: info.id,
      name: info.name,
      dimension: manifest.embedder.dimension,
      installed: info.status === 'ready',
      source: info.source === 'user' ? ('user' as const) : ('download' as const),
      licence: info.licence,
      description: info.description,
    }));
    return [...builtIn, ...stored];
  }

  dimension(modelId: string): number {
    const builtIn = this.builtIn.find((x) => x.id === modelId);
    if (builtIn) return builtIn.embedder.dimension;
    const stored = this.models.embedders().find((e) => e.info.id === modelId);
    if (!stored) throw new ContractError('not_found', `no embedder ${modelId}`);
    return stored.manifest.embedder.dimension;
  }

  /** Refuses (unavailable) an embedder that is known but not installed, before any work is queued for it. */
  assertInstalled(modelId: string): void {
    this.dimension(modelId);
    const info = this.list().find((m) => m.id === modelId);
    if (!info?.installed) throw Object.assign(new ContractError('unavailable', `embedder ${modelId} is not installed: install it on the Models page first`), { errorCode: 'model_unavailable' });
  }

  /** A usable embedder, or `unavailable` (errorCode model_unavailable) for one that is not installed. */
  async handle(modelId: string): Promise<EmbedderHandle> {
    this.dimension(modelId);
    if (modelId === OFFLINE_EMBEDDER_ID) {
      this.offline ??= this.embedder.offlineDefault(this.cacheDir).catch((err: unknown) => {
        this.offline = null;
        throw err;
      });
      return this.offline;
    }
    const file = await this.models.resolveEmbedder(modelId);
    const parsed = EmbedderSpec.safeParse(file.manifest.embedder);
    if (!parsed.success) throw new ContractError('invalid_input', `${modelId}: its embedder spec is not one this version can run: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return { id: modelId, spec: parsed.data, ref: toModelRef(modelId, file, parsed.data) };
  }
}
