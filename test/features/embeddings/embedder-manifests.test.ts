/**
 * The embedder manifests in native-models/: valid against the schema, licences that
 * allow commercial use, checksums either pinned or declared unverified, and the offline
 * default's manifest in step with the code that builds it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmbedderSpec, parseEmbedderManifest, toModelRef } from '../../../src-main/features/embeddings/embedder-spec.js';
import { OFFLINE_EMBEDDER_ID, OFFLINE_EMBEDDER_PACKAGE, OFFLINE_EMBEDDER_SHA256, OFFLINE_EMBEDDERS, offlineEmbedderSpec } from '../../../src-main/features/embeddings/offline-embedder.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../native-models');
const manifests = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'catalog.json')
  .map((f) => ({ file: f, json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { task?: string } }))
  .filter((m) => m.json.task === 'embedding')
  .map((m) => ({ file: m.file, manifest: parseEmbedderManifest(m.json, m.file) }));

/** Licences that allow use in a commercial product. */
const PERMISSIVE = new Set(['Apache-2.0', 'MIT', 'BSD-3-Clause', 'BSD-2-Clause']);

describe('embedder manifests', () => {
  it('the download catalog and the offline default are all there', () => {
    expect(manifests.map((m) => m.manifest.id).sort()).toEqual(
      ['atolye-mobilenet-v2-hsv', 'atolye-mobilenet-v2-hsv-320', 'clip-vit-b32-image', 'dinov2-vitb14', 'dinov2-vits14', 'efficientnet-lite4', 'siglip-base-p16-224-image'].sort(),
    );
  });

  it('each is named after its file, permissively licensed, and pinned or declared unverified', () => {
    for (const { file, manifest } of manifests) {
      expect(file).toBe(`${manifest.id}.json`);
      expect(PERMISSIVE.has(manifest.licence.name), `${file}: ${manifest.licence.name}`).toBe(true);
      expect(`${manifest.description} ${manifest.licence.note ?? ''}`).not.toMatch(/non-?commercial|CC-BY-NC/i);
      const f = manifest.files[0]!;
      if (f.sha256 === null) expect(f.sha256Source).toMatch(/NOT VERIFIED/);
      else expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (manifest.source.kind === 'url') expect(manifest.source.url).toMatch(/^https:\/\//);
    }
  });

  it('refuses a spec whose dimension does not add up, or GeM without its exponent', () => {
    const spec = offlineEmbedderSpec();
    expect(EmbedderSpec.safeParse(spec).success).toBe(true);
    expect(EmbedderSpec.safeParse({ ...spec, dimension: spec.dimension + 1 }).success).toBe(false);
    const gem = { ...spec, outputs: [{ ...spec.outputs[0]!, pooling: 'gem' }] };
    expect(EmbedderSpec.safeParse(gem).success).toBe(false);
    expect(() => parseEmbedderManifest({ id: 'x', task: 'embedding' }, 'bad.json')).toThrow(/bad\.json: .*name/);
  });

  it('the offline default matches the code that builds it', () => {
    const m = manifests.find((x) => x.manifest.id === OFFLINE_EMBEDDER_ID)!.manifest;
    expect(m.embedder).toEqual(offlineEmbedderSpec());
    expect(m.files[0]!.sha256).toBe(OFFLINE_EMBEDDER_SHA256);
    expect(m.source).toEqual({ kind: 'build', builder: 'nsfwjs-mobilenet-v2-hsv', package: OFFLINE_EMBEDDER_PACKAGE.name, version: OFFLINE_EMBEDDER_PACKAGE.version });
    const installed = JSON.parse(fs.readFileSync(path.join(dir, '..', 'node_modules', 'nsfwjs', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(OFFLINE_EMBEDDER_PACKAGE.version);
    // The inference worker gets the model part only: the histogram is joined outside it.
    const ref = toModelRef(m.id, { path: '/x.onnx', sha256: m.files[0]!.sha256!, bytes: m.files[0]!.bytes! }, m.embedder);
    const { bins } = m.embedder.histogram!;
    expect(ref.dimension).toBe(m.embedder.dimension - bins.hue * bins.saturation * bins.value);
  });

  it('every built-in variant has a manifest that matches its recipe and recorded sha256, and only they are built here', () => {
    const built = manifests.filter((x) => x.manifest.source.kind === 'build').map((x) => x.manifest);
    expect(built.map((m) => m.id).sort()).toEqual(OFFLINE_EMBEDDERS.map((v) => v.id).sort());
    for (const v of OFFLINE_EMBEDDERS) {
      const m = built.find((x) => x.id === v.id)!;
      expect(m.embedder, v.id).toEqual(offlineEmbedderSpec(undefined, v.recipe));
      expect(m.files[0]!.sha256, v.id).toBe(v.sha256);
      expect(m.files[0]!.name).toBe(`${v.id}.onnx`);
    }
  });
});
