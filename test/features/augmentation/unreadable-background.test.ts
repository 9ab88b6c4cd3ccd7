import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { summary } from '../../../src-main/features/augmentation/cli-augment.js';
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from './catalog-fixture.js';

/** A PNG whose header says 20000×20000 (a huge photo), with a tiny IDAT: only its size matters here. */
function hugePng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (b: Buffer) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type: string, data: Buffer) => { const t = Buffer.from(type); const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const c = Buffer.alloc(4); c.writeUInt32BE(crc(Buffer.concat([t, data]))); return Buffer.concat([len, t, data, c]); };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(20000, 0); ihdr.writeUInt32BE(20000, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(100))), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A background that cannot be decoded (a huge or broken file in the user's folder) is the
 * background's problem: the outputs use another one (or a solid colour), and the frame is
 * not recorded as a failed source that later runs would skip.
 */
describe('augmentation with an unreadable background', () => {
  const fx = useEngine();

  it('one unusable background among good ones does not fail the product’s frames (nor mark them failed for later runs)', async () => {
    const made = await makeProducts(fx.engine, 1, { frames: 1, reals: 0 });
    const bg = path.join(fx.dir, 'bgs');
    await fs.mkdir(bg);
    await fs.writeFile(path.join(bg, 'a-huge.png'), hugePng());
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } }).png().toFile(path.join(bg, 'b-ok.png'));
    const { store } = fx.engine.use(datasetsFeature);
    const aug = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'bg', from: { ids: [made[0]!.id] } });
    const run = await aug.wait((await aug.start(d.id, { syntheticTarget: 4, realTarget: 0, seed: 1, bundledBackgrounds: false, backgroundsDir: bg })).id);
    expect(run.totals.synthetic.failed).toBe(0);
    expect(run.totals.synthetic.final).toBe(4);
    // The report names the background each time an output drew it and went on to another.
    for (const u of run.unreadableBackgrounds) {
      expect(u.id).toMatch(/a-huge\.png$/);
      expect(u.outputs).toBeGreaterThan(0);
      expect(u.outputs).toBeLessThanOrEqual(4);
    }
    expect(run.products[0]!.unreadableBackgrounds).toEqual(run.unreadableBackgrounds);
  });

  it('after a bad background is removed from the folder, the next run uses the frame again (it was not the frame’s fault)', async () => {
    const made = await makeProducts(fx.engine, 1, { frames: 1, reals: 0 });
    const bg = path.join(fx.dir, 'bgs');
    await fs.mkdir(bg);
    await fs.writeFile(path.join(bg, 'huge.png'), hugePng());
    const { store } = fx.engine.use(datasetsFeature);
    const aug = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'bg2', from: { ids: [made[0]!.id] } });
    const first = await aug.wait((await aug.start(d.id, { syntheticTarget: 2, realTarget: 0, seed: 1, bundledBackgrounds: false, backgroundsDir: bg })).id);
    // The only background is unreadable: the outputs are made on a solid colour.
    expect(first.totals.synthetic.failed).toBe(0);
    expect(first.totals.synthetic.final).toBe(2);
    // …and the run's report says which background was passed over, why, and for how many outputs.
    expect(first.unreadableBackgrounds).toEqual([{ id: expect.stringMatching(/huge\.png$/), reason: expect.stringMatching(/\S/), outputs: 2 }]);
    expect(first.products[0]!.unreadableBackgrounds).toEqual(first.unreadableBackgrounds);
    expect(summary(first).join('\n')).toMatch(/unreadable background \S*huge\.png \(passed over by 2 images\): \S/);
    expect(aug.runs(d.id).find((r) => r.id === first.id)!.unreadableBackgrounds).toEqual(first.unreadableBackgrounds);
    await fs.rm(path.join(bg, 'huge.png'));
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } }).png().toFile(path.join(bg, 'ok.png'));
    const second = await aug.wait((await aug.start(d.id, { syntheticTarget: 2, realTarget: 0, seed: 1, bundledBackgrounds: false, backgroundsDir: bg })).id);
    expect(second.totals.synthetic.final).toBe(2);
    expect(second.unreadableBackgrounds).toEqual([]);
  });
});
