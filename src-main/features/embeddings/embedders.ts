/**
 * The embedders the feature knows: the built-in ones (the offline default and its 320 px
 * variant; manifests in native-models/, built at first use into the library's model cache
 * and kept loaded) and every embedder of the model store (the download catalog, installed
 * through models.download, and the user's own imported .onnx files). A store embedder is
 * usable once its file is installed; its manifest's spec (resizing, normalisation,
 * pooling) is validated here when it is run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, type EmbedderInfo } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
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

/**
 * Embedders another feature makes (training's trained heads): listed, sized and run like
 * the others. A source answers only for its own ids (null otherwise).
 */
export interface EmbedderSource {
  list(): Omit<EmbedderInfo, 'active'>[];
  dimension(id: string): number | null;
  /** A usable handle, given the handle of any embedder (a head needs its parent's). */
  handle(id: string, handleOf: (id: string) => Promise<EmbedderHandle>): Promise<EmbedderHandle> | null;
}

const ACTIVE_KEY = 'active_embedder';

export class Embedders {
  /** Built here from an npm package (offline-embedder.ts' OFFLINE_EMBEDDERS); the model store knows the rest. */
  private readonly builtIn: EmbedderManifest[];
  /** Built-in embedders being built or loaded, by id. */
  private readonly offline = new Map<string, Promise<EmbedderHandle>>();
  private readonly sources: EmbedderSource[] = [];

  constructor(
    private readonly embedder: ImageEmbedder,
    private readonly cacheDir: string,
    private readonly models: ModelStore,
    private readonly db: Db,
  ) {
    this.builtIn = readEmbedderManifests().filter((m) => m.source.kind === 'build');
  }

  /** Adds the embedders of another feature (see EmbedderSource). */
  addSource(source: EmbedderSource): void {
    this.sources.push(source);
  }

  /**
   * The embedder used when none is named: the one set as active (training.activate), or
   * the offline default when none is, or when the one set is gone or not installed.
   */
  activeId(): string {
    return this.activeAmong(() => this.listAll());
  }

  /** The active id, checked against a list of the embedders (read only when one is set). */
  private activeAmong(all: () => Omit<EmbedderInfo, 'active'>[]): string {
    const id = this.db.prepare('SELECT value FROM embeddings_settings WHERE key = ?').pluck().get(ACTIVE_KEY) as string | undefined;
    if (id && id !== OFFLINE_EMBEDDER_ID && all().some((m) => m.id === id && m.installed)) return id;
    return OFFLINE_EMBEDDER_ID;
  }

  /** Sets the active embedder (an installed one); the offline default's id goes back to it. */
  setActive(modelId: string): void {
    this.assertInstalled(modelId);
    if (modelId === OFFLINE_EMBEDDER_ID) this.db.prepare('DELETE FROM embeddings_settings WHERE key = ?').run(ACTIVE_KEY);
    else this.db.prepare('INSERT INTO embeddings_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(ACTIVE_KEY, modelId);
  }

  list(): EmbedderInfo[] {
    const all = this.listAll();
    const active = this.activeAmong(() => all);
    return all.map((m) => ({ ...m, active: m.id === active }));
  }

  private listAll(): Omit<EmbedderInfo, 'active'>[] {
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
    return [...builtIn, ...stored, ...this.sources.flatMap((s) => s.list())];
  }

  dimension(modelId: string): number {
    const builtIn = this.builtIn.find((x) => x.id === modelId);
    if (builtIn) return builtIn.embedder.dimension;
    for (const source of this.sources) {
      const d = source.dimension(modelId);
      if (d !== null) return d;
    }
    const stored = this.models.embedders().find((e) => e.info.id === modelId);
    if (!stored) throw new ContractError('not_found', `no embedder ${modelId}`);
    return stored.manifest.embedder.dimension;
  }

  /** Refuses (unavailable) an embedder that is known but not installed, before any work is queued for it. */
  assertInstalled(modelId: string): void {
    this.dimension(modelId);
    const info = this.listAll().find((m) => m.id === modelId);
    if (!info?.installed) throw Object.assign(new ContractError('unavailable', `embedder ${modelId} is not installed: install it on the Models page first`), { errorCode: 'model_unavailable' });
  }

  /** A usable embedder, or `unavailable` (errorCode model_unavailable) for one that is not installed. */
  async handle(modelId: string): Promise<EmbedderHandle> {
    this.dimension(modelId);
    if (this.builtIn.some((m) => m.id === modelId)) {
      let built = this.offline.get(modelId);
      if (!built) {
        built = this.embedder.offline(this.cacheDir, modelId).catch((err: unknown) => {
          this.offline.delete(modelId);
          throw err;
        });
        this.offline.set(modelId, built);
      }
      return built;
    }
    for (const source of this.sources) {
      const h = source.handle(modelId, (id) => this.handle(id));
      if (h) return h;
    }
    const file = await this.models.resolveEmbedder(modelId);
    const parsed = EmbedderSpec.safeParse(file.manifest.embedder);
    if (!parsed.success) throw new ContractError('invalid_input', `${modelId}: its embedder spec is not one this version can run: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return { id: modelId, spec: parsed.data, ref: toModelRef(modelId, file, parsed.data) };
  }
}
