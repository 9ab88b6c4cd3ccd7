import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import yazl from 'yazl';
import { describe, expect, it } from 'vitest';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { listZip, safeEntryPath, unzipTo } from '../../../src-main/features/datasets/zip-reader.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from '../augmentation/catalog-fixture.js';

async function writeZip(file: string, entries: { name: string; data: Buffer; compress?: boolean }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.name, { compress: e.compress ?? true });
  zip.end();
  const out = (await fs.open(file, 'w')).createWriteStream();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(out).on('finish', resolve).on('error', reject));
}

describe('dataset import from a ZIP', () => {
  const fx = useEngine();

  it('reads an export ZIP back (through datasets.import with an upload, as web mode does) into a new dataset; the upload is discarded', { timeout: 90_000 }, async () => {
    const made = await makeProducts(fx.engine, 2, { frames: 1, reals: 1 });
    const { store, files } = fx.engine.use(datasetsFeature);
    const d = store.create({ name: 'Zipped', from: { ids: made.map((m) => m.id) } });
    // inNewFolder: the chosen folder is not empty; the ZIP is named after the dataset inside it.
    await fs.writeFile(path.join(fx.dir, 'someone-elses-file.txt'), 'x');
    const written = await files.exportTo(d.id, fx.dir, 'zip', true);
    expect(written.path).toBe(path.join(fx.dir, 'Zipped.zip'));
    expect((await files.exportTo(d.id, fx.dir, 'zip', true)).path).toBe(path.join(fx.dir, 'Zipped-2.zip'));
    const entries = (await listZip(written.path)).map((e) => e.name).sort();
    expect(entries).toContain('dataset.json');
    expect(entries.filter((e) => e.endsWith('frame_0000.png'))).toHaveLength(2);

    const { uploadId } = await fx.engine.uploads.receive(createReadStream(written.path));
    const importHandler = fx.engine.handler('datasets.import')!;
    const report = await importHandler({ uploadId, name: 'From the upload' });
    expect(report).toMatchObject({ productsCreated: 0, productsFound: 2, images: { synthetic: 0, real: 0, augmented: 0 }, alreadyHeld: 4, refused: [], dataset: { name: 'From the upload', productCount: 2 } });
    expect(new Map(store.products(report.dataset.id).map((p) => [p.barcode, p.split]))).toEqual(new Map(store.products(d.id).map((p) => [p.barcode, p.split])));
    expect(await fx.engine.uploads.exists(uploadId)).toBe(false);
    // Nothing is left in the scratch folder.
    expect(await fs.readdir(path.join(fx.dataDir, 'scratch', 'datasets'))).toEqual([]);
  });

  it('imports a ZIP whose export folder was zipped with it (one more level), names it from the file, and refuses entries outside the layout with reasons', { timeout: 60_000 }, async () => {
    const [m] = await makeProducts(fx.engine, 1, { frames: 1, reals: 0 });
    const { catalog } = fx.engine.use(productsFeature);
    const frame = await fs.readFile(catalog.imagePath(m!.frames[0]!));
    const zipPath = path.join(fx.dir, 'Shelf photos.zip');
    await writeZip(zipPath, [
      { name: 'Shelf photos/train/5000000000017/frame_0000.png', data: frame, compress: false },
      { name: 'Shelf photos/train/5000000000017/notes.txt', data: Buffer.from('not an image') },
      { name: 'Shelf photos/valid/5000000000024/frame_0003.png', data: frame },
      // yazl refuses to write such a name; it is patched in below (same length, names are stored in the clear).
      { name: 'XX/escape.png', data: frame },
    ]);
    const raw = await fs.readFile(zipPath);
    for (let at = raw.indexOf('XX/escape.png'); at >= 0; at = raw.indexOf('XX/escape.png', at)) raw.write('../escape.png', at);
    await fs.writeFile(zipPath, raw);
    const { files, store } = fx.engine.use(datasetsFeature);
    const report = await files.importPath(zipPath);
    expect(report.dataset).toMatchObject({ name: 'Shelf photos', productCount: 2 });
    expect(report).toMatchObject({ productsCreated: 2, images: { synthetic: 2, real: 0, augmented: 0 } });
    expect(report.refused).toEqual([
      { path: '../escape.png', reason: expect.stringMatching(/outside/) },
      { path: 'train/5000000000017/notes.txt', reason: expect.stringMatching(/not a name of the layout/) },
    ]);
    expect(store.products(report.dataset.id).map((p) => [p.barcode, p.split])).toEqual([
      ['5000000000017', 'train'],
      ['5000000000024', 'valid'],
    ]);
    await expect(fs.stat(path.join(fx.dir, 'escape.png'))).rejects.toThrow();
    await expect(files.importPath(path.join(fx.dir, 'missing.zip'))).rejects.toThrow(/does not exist/);
    const notZip = path.join(fx.dir, 'photo.zip');
    await fs.writeFile(notZip, 'plain text');
    await expect(files.importPath(notZip)).rejects.toThrow(/neither a folder nor a ZIP/);
  });

  it('round-trips products without images: the folder export still writes dataset.json, and the import takes the products it lists', async () => {
    const { catalog } = fx.engine.use(productsFeature);
    const p = catalog.create({ barcodes: ['2799999000019'], allowInvalidCheckDigit: true, brandName: 'Boş', productName: 'Kutu' });
    const { store, files } = fx.engine.use(datasetsFeature);
    const d = store.create({ name: 'No images', from: { ids: [p.id] } });
    const out = path.join(fx.dir, 'empty-export');
    expect(await files.exportTo(d.id, out, 'folder')).toMatchObject({ files: 1 });
    expect(await fs.readdir(out)).toEqual(['dataset.json']);
    const back = await files.importFolder(out, 'Back');
    expect(back).toMatchObject({ productsFound: 1, productsCreated: 0, refused: [], dataset: { productCount: 1 } });
    expect(store.products(back.dataset.id).map((m) => [m.productId, m.split])).toEqual(store.products(d.id).map((m) => [m.productId, m.split]));
  });

  it('unpacks stored and deflated entries byte for byte', async () => {
    const big = Buffer.alloc(300_000, 7);
    for (let i = 0; i < big.length; i += 97) big[i] = i % 251;
    const zipPath = path.join(fx.dir, 'two.zip');
    await writeZip(zipPath, [
      { name: 'a/stored.bin', data: big, compress: false },
      { name: 'a/b/deflated.bin', data: big },
      { name: 'empty.txt', data: Buffer.alloc(0) },
    ]);
    const out = path.join(fx.dir, 'out');
    expect(await unzipTo(zipPath, out)).toEqual({ files: 3, refused: [] });
    expect((await fs.readFile(path.join(out, 'a', 'stored.bin'))).equals(big)).toBe(true);
    expect((await fs.readFile(path.join(out, 'a', 'b', 'deflated.bin'))).equals(big)).toBe(true);
    expect((await fs.readFile(path.join(out, 'empty.txt'))).length).toBe(0);
    expect(safeEntryPath(out, '/etc/passwd')).toBeNull();
    expect(safeEntryPath(out, 'C:/x')).toBeNull();
    expect(safeEntryPath(out, 'a\\..\\..\\x')).toBeNull();
  });

  it('holds a hostile archive to what it declares: no entry inflates past its stated size, no name twice, and the stated total must fit the disk', async () => {
    const zipPath = path.join(fx.dir, 'bomb.zip');
    await writeZip(zipPath, [
      { name: 'bomb.bin', data: Buffer.alloc(2_000_000) },
      { name: 'ok.txt', data: Buffer.from('fine') },
      { name: 'OK.txt', data: Buffer.from('second') },
    ]);
    // Rewrite the central directory's stated size of bomb.bin to 1,000 bytes (what a ZIP bomb does).
    const bytes = await fs.readFile(zipPath);
    const at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    expect(bytes.toString('latin1', at + 46, at + 54)).toBe('bomb.bin');
    bytes.writeUInt32LE(1000, at + 24);
    await fs.writeFile(zipPath, bytes);
    const out = path.join(fx.dir, 'bomb-out');
    const result = await unzipTo(zipPath, out);
    expect(result.files).toBe(1);
    expect(result.refused.map((r) => r.path)).toEqual(['bomb.bin', 'OK.txt']);
    expect(result.refused[0]!.reason).toMatch(/more than the 1000 bytes it declares/);
    expect(result.refused[1]!.reason).toMatch(/twice/);
    expect(await fs.readdir(out)).toEqual(['ok.txt']);
    // A disk with less room than the archive states: refused before anything is written.
    const out2 = path.join(fx.dir, 'full-out');
    await expect(unzipTo(zipPath, out2, { freeBytes: async () => 256 * 2 ** 20 + 500 })).rejects.toThrow(/free some space/);
    expect(await fs.readdir(out2)).toEqual([]);
  });

  it('refuses a directory that claims more than the file holds before reading it, and one clashing or misplaced entry alone', async () => {
    const zipPath = path.join(fx.dir, 'liar.zip');
    await writeZip(zipPath, [{ name: 'a.txt', data: Buffer.from('a') }]);
    const bytes = await fs.readFile(zipPath);
    const eocd = bytes.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    const lying = Buffer.from(bytes);
    lying.writeUInt32LE(0xfffffff0, eocd + 12); // a directory of almost 4 GB in a file of a few bytes
    await fs.writeFile(zipPath, lying);
    await expect(listZip(zipPath)).rejects.toThrow(/claims more than the file holds/);

    // A file "x/valid" and a folder "x/valid/…": the second entry is refused, the others unpack.
    const clash = path.join(fx.dir, 'clash.zip');
    await writeZip(clash, [
      { name: 'x/valid', data: Buffer.from('oops') },
      { name: 'x/valid/4006381333931/frame_0000.png', data: Buffer.from('png') },
      { name: 'x/train/4006381333931/frame_0000.png', data: Buffer.from('png') },
    ]);
    // …and an entry whose local header lies past the end of the file.
    const c = await fs.readFile(clash);
    const third = c.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'));
    c.writeUInt32LE(c.length + 1000, third + 42);
    await fs.writeFile(clash, c);
    const result = await unzipTo(clash, path.join(fx.dir, 'clash-out'));
    expect(result.files).toBe(1);
    expect(result.refused.map((r) => r.path).sort()).toEqual(['x/train/4006381333931/frame_0000.png', 'x/valid/4006381333931/frame_0000.png']);
  });

  it('a product without a barcode comes back as itself (found by the id it was exported under), its images not added twice', async () => {
    const { catalog } = fx.engine.use(productsFeature);
    const { store, files } = fx.engine.use(datasetsFeature);
    const loose = catalog.create({ brandName: 'Loose', productName: 'Apples' });
    const d = store.create({ name: 'No code', from: { ids: [loose.id] } });
    const out = path.join(fx.dir, 'no-code');
    await files.exportTo(d.id, out, 'folder');
    const back = await files.importFolder(out, 'again');
    expect(back).toMatchObject({ productsCreated: 0, productsFound: 1, refused: [] });
    expect(catalog.list({}).total).toBe(1);
  });
});
