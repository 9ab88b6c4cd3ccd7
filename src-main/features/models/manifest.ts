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

export const ModelManifest = z
  .object({
    id: ModelId,
    name: z.string().min(1),
    task: ModelTask,
    description: z.string(),
    licence: z.object({ name: z.string().min(1), url: z.string().nullable(), note: z.string().optional() }).strict(),
    homepage: z.string().nullable(),
    source: ModelSourceSpec,
    files: z
      .array(
        z
          .object({
            name: z.string().regex(/^[\w.-]+\.onnx$/, 'an .onnx file name'),
            bytes: z.number().int().positive().nullable(),
            /** null when no checksum could be verified: such a model is never installed automatically. */
            sha256: Sha256.nullable(),
            /** Where the sha256 comes from, or why there is none. */
            sha256Source: z.string().min(1),
          })
          .strict(),
      )
      .length(1, 'one .onnx file per model (external-data models are not supported yet)'),
    input: InputSpec,
    output: OutputSpec,
  })
  .strict();
export type ModelManifest = z.infer<typeof ModelManifest>;

export const Catalog = z
  .object({
    defaults: z.record(ModelTask, ModelId),
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

/** Reads and validates every manifest listed in the catalog; a bad file is a build error, not a runtime surprise. */
export function loadCatalog(dir = nativeModelsDir()): { catalog: Catalog; manifests: Map<string, ModelManifest> } {
  const catalogPath = path.join(dir, 'catalog.json');
  const parsed = Catalog.safeParse(JSON.parse(readFileSync(catalogPath, 'utf8')));
  if (!parsed.success) throw new Error(`${catalogPath}: ${describeZodError(parsed.error)}`);
  const catalog = parsed.data;
  const manifests = new Map<string, ModelManifest>();
  const files = new Set(readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'catalog.json'));
  for (const id of catalog.models) {
    const file = `${id}.json`;
    if (!files.has(file)) throw new Error(`${catalogPath}: lists ${id} but ${file} is missing`);
    const manifest = parseManifest(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), path.join(dir, file));
    if (manifest.id !== id) throw new Error(`${file}: id is ${manifest.id}, expected ${id}`);
    manifests.set(id, manifest);
  }
  for (const [task, id] of Object.entries(catalog.defaults)) {
    const m = manifests.get(id);
    if (!m || m.task !== task) throw new Error(`${catalogPath}: default for ${task} is ${id}, which is not a ${task} model in the catalog`);
  }
  return { catalog, manifests };
}
