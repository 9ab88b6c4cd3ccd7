import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeZodError, ModelId, ModelTask } from '../../../src-shared/contract/index.js';
import { InputSpec, OutputSpec } from '../../engine/inference/model-spec.js';
import { packageRoot } from '../../engine/package-root.js';

export { InputSpec, OutputSpec };

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits');
export const ModelSourceSpec = z.discriminatedUnion('kind', [
  /** Chunks listed in an npm package's resources.json (the @imgly layout). */
  z.object({ kind: z.literal('npm'), package: z.string(), version: z.string(), resource: z.string() }).strict(),
  z.object({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/ }) }).strict(),
  /** A file the user imported. */
  z.object({ kind: z.literal('user'), originalName: z.string() }).strict(),
]);

const Size = z.number().int().positive();

const ManifestFile = z
  .object({
    name: z.string().regex(/^[\w.-]+\.onnx$/, 'an .onnx file name'),
    bytes: z.number().int().positive().nullable(),
    /** null when no checksum could be verified: such a model is never installed automatically. */
    sha256: Sha256.nullable(),
    /** Where the sha256 comes from, or why there is none. */
    sha256Source: z.string().min(1),
  })
  .strict();

const ManifestCommon = {
  id: ModelId,
  name: z.string().min(1),
  description: z.string(),
  licence: z.object({ name: z.string().min(1), url: z.string().nullable(), note: z.string().optional() }).strict(),
  homepage: z.string().nullable(),
  source: ModelSourceSpec,
  files: z.array(ManifestFile).length(1, 'one .onnx file per model (external-data models are not supported yet)'),
};

export const SegmentationManifest = z
  .object({ ...ManifestCommon, task: z.literal('background-removal'), input: InputSpec, output: OutputSpec })
  .strict();
export type SegmentationManifest = z.infer<typeof SegmentationManifest>;

/**
 * What the model store reads of an embedder's spec: the tensors it checks a file against
 * (its image input and the outputs the vector is pooled from). The embeddings feature
 * validates and uses the rest (resizing, normalisation, pooling, histogram); it is kept
 * as written.
 */
export const EmbedderIo = z
  .object({
    input: z.object({ name: z.string().nullable(), size: z.tuple([Size, Size]), layout: z.enum(['NCHW', 'NHWC']) }).loose(),
    outputs: z
      .array(z.object({ name: z.string().min(1), pooling: z.enum(['none', 'mean', 'max', 'gem', 'cls', 'tokens']), layout: z.enum(['NCHW', 'NHWC']).optional(), dimension: Size }).loose())
      .min(1),
    dimension: Size,
  })
  .loose();
export type EmbedderIo = z.infer<typeof EmbedderIo>;

export const EmbeddingManifest = z.object({ ...ManifestCommon, task: z.literal('embedding'), embedder: EmbedderIo }).strict();
export type EmbeddingManifest = z.infer<typeof EmbeddingManifest>;

export const ModelManifest = z.discriminatedUnion('task', [SegmentationManifest, EmbeddingManifest]);
export type ModelManifest = z.infer<typeof ModelManifest>;

export const Catalog = z
  .object({
    defaults: z.partialRecord(ModelTask, ModelId),
    models: z.array(ModelId),
  })
  .strict();
export type Catalog = z.infer<typeof Catalog>;

/** native-models/ at the package root (found the same way from sources and from dist/). */
export function nativeModelsDir(): string {
  const dir = path.join(packageRoot, 'native-models');
  if (!existsSync(path.join(dir, 'catalog.json'))) throw new Error(`native-models/catalog.json not found in ${packageRoot}`);
  return dir;
}

export function parseManifest(value: unknown, where: string): ModelManifest {
  const result = ModelManifest.safeParse(value);
  if (!result.success) throw new Error(`${where}: ${describeZodError(result.error)}`);
  return result.data;
}

/**
 * Reads and validates every manifest listed in the catalog, and every downloadable
 * embedder manifest in the folder (task "embedding"; the offline default, built from an
 * npm package by the embeddings feature, is not the store's). A bad file is a build
 * error, not a runtime surprise.
 */
export function loadCatalog(dir = nativeModelsDir()): { catalog: Catalog; manifests: Map<string, SegmentationManifest>; embedders: Map<string, EmbeddingManifest> } {
  const catalogPath = path.join(dir, 'catalog.json');
  const parsed = Catalog.safeParse(JSON.parse(readFileSync(catalogPath, 'utf8')));
  if (!parsed.success) throw new Error(`${catalogPath}: ${describeZodError(parsed.error)}`);
  const catalog = parsed.data;
  const manifests = new Map<string, SegmentationManifest>();
  const files = new Set(readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'catalog.json'));
  for (const id of catalog.models) {
    const file = `${id}.json`;
    if (!files.has(file)) throw new Error(`${catalogPath}: lists ${id} but ${file} is missing`);
    const manifest = parseManifest(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), path.join(dir, file));
    if (manifest.id !== id) throw new Error(`${file}: id is ${manifest.id}, expected ${id}`);
    if (manifest.task === 'embedding') throw new Error(`${catalogPath}: lists ${id}, an embedder (embedders are found by their task, not listed)`);
    manifests.set(id, manifest);
  }
  const embedders = new Map<string, EmbeddingManifest>();
  for (const file of [...files].sort()) {
    const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { task?: unknown; source?: { kind?: unknown } };
    if (json.task !== 'embedding' || json.source?.kind === 'build') continue;
    const manifest = parseManifest(json, path.join(dir, file));
    if (manifest.task !== 'embedding' || `${manifest.id}.json` !== file) throw new Error(`${file}: id is ${manifest.id}, expected ${file.replace(/\.json$/, '')}`);
    embedders.set(manifest.id, manifest);
  }
  for (const [task, id] of Object.entries(catalog.defaults)) {
    const m = manifests.get(id);
    if (!m || m.task !== task) throw new Error(`${catalogPath}: default for ${task} is ${id}, which is not a ${task} model in the catalog`);
  }
  return { catalog, manifests, embedders };
}
