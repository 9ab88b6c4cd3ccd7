import { randomUUID } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import yazl from 'yazl';
import { BarcodeCode, ContractError, Id, Split, type DatasetImportReport } from '../../../src-shared/contract/index.js';
import type { DownloadStream } from '../../engine/feature.js';
import type { ImageIngestPool } from '../../engine/images/ingest-pool.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { NewProductImage, ProductCatalog } from '../products/public.js';
import type { DatasetStore } from './dataset-store.js';
import { looksLikeZip, unzipTo } from './zip-reader.js';
import { MANIFEST, MANIFEST_FORMAT, namesFor, originOf, parseName, type LayoutImage, type Manifest, type ManifestProduct } from './layout.js';
import { readsClosedWith } from '../../engine/zip/reads-closed-with.js';

/** A JSON file another feature adds at the export's root (augmentation: its last report); null leaves it out. */
export type ExportExtra = (datasetId: string) => unknown;

interface Entry {
  path: string;
  /** A stored blob as it is, or one converted to PNG (frames kept as another format). */
  blob: string;
  toPng: boolean;
}

const safeFolder = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

export class DatasetFiles {
  private readonly extras = new Map<string, ExportExtra>();

  constructor(
    private readonly datasets: DatasetStore,
    private readonly catalog: ProductCatalog,
    private readonly store: BlobStore,
    private readonly images: ImageIngestPool,
    /** Where a ZIP is unpacked while it is imported (removed after). */
    private readonly scratchDir: string,
  ) {}

  /** Another feature's file at the root of every export (`augmentation_report.json`). */
  addExtra(fileName: string, extra: ExportExtra): void {
    this.extras.set(fileName, extra);
  }

  /** Every file of the export and the manifest, without reading any image. */
  plan(datasetId: string): { entries: Entry[]; manifest: Manifest; extras: { name: string; json: unknown }[] } {
    const ds = this.datasets.get(datasetId);
    const members = this.datasets.members(datasetId);
    const products = new Map(this.catalog.many(members.map((m) => m.productId)).map((p) => [p.id, p]));
    const entries: Entry[] = [];
    const manifestProducts: ManifestProduct[] = [];
    const counts = { train: 0, valid: 0, test: 0 };
    for (const m of members) {
      const p = products.get(m.productId);
      if (!p) continue;
      counts[m.split]++;
      const folder = safeFolder(p.barcode ?? p.id);
      const listed = this.catalog.images(p.id, undefined, 0, 1_000_000).items;
      const full = new Map(listed.map((i) => [i.id, this.catalog.image(i.id)]));
      const layoutImages: LayoutImage[] = listed.map((i) => ({ id: i.id, type: i.type, format: i.format, frameIndex: i.frameIndex, meta: full.get(i.id)!.meta }));
      const names = namesFor(layoutImages, datasetId, (img) => full.get(img.id)!.source);
      const files: ManifestProduct['files'] = [];
      for (const img of layoutImages) {
        const name = names.get(img.id);
        if (!name) continue;
        const rel = `${m.split}/${folder}/${name}`;
        const info = full.get(img.id)!;
        entries.push({ path: rel, blob: info.sha256, toPng: img.type === 'synthetic' && img.format !== 'png' });
        const origin = originOf(img.meta);
        const srcName = origin ? names.get(origin.sourceImageId) : undefined;
        files.push({ path: name, type: img.type, ...(origin ? { origin: { ...origin, source: srcName ?? origin.sourceImageId } } : {}) });
      }
      manifestProducts.push({ folder, barcode: p.barcode, brandName: p.brandName, productName: p.productName, split: m.split, files });
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      version: 1,
      name: ds.name,
      description: ds.description,
      splitRatios: ds.splitRatios,
      splitSeed: ds.splitSeed,
      exportedAt: new Date().toISOString(),
      counts,
      products: manifestProducts,
    };
    const extras = [...this.extras].map(([name, make]) => ({ name, json: make(datasetId) })).filter((e) => e.json !== null && e.json !== undefined);
    return { entries, manifest, extras };
  }

  /** The export as a ZIP stream (files are stored: JPEG and PNG gain nothing from deflate). */
  zipStream(datasetId: string): DownloadStream {
    return this.zipOf(this.plan(datasetId));
  }

  private zipOf({ entries, manifest, extras }: ReturnType<DatasetFiles['plan']>): DownloadStream {
    const zip = new yazl.ZipFile();
    const out = new PassThrough();
    // yazl reports a file it cannot read on the ZipFile itself; unlistened, that 'error'
    // would be thrown as an uncaught exception and take the engine down.
    zip.on('error', (err: Error) => out.destroy(err));
    zip.outputStream.on('error', (err) => out.destroy(err));
    zip.outputStream.pipe(out);
    const read = readsClosedWith(out);
    void (async () => {
      try {
        for (const e of entries) {
          if (out.destroyed) return;
          const file = await this.readablePath(e);
          if (e.toPng) zip.addBuffer(await sharp(file).png().toBuffer(), e.path, { compress: false });
          else
            zip.addReadStreamLazy(e.path, { compress: false }, (cb) => {
              const source = read(file);
              source.on('error', (err) => out.destroy(err));
              cb(null, source);
            });
        }
        for (const x of extras) zip.addBuffer(Buffer.from(JSON.stringify(x.json, null, 2)), x.name);
        zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), MANIFEST);
        zip.end();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return { fileName: `${safeFolder(manifest.name) || 'dataset'}.zip`, contentType: 'application/zip', stream: out };
  }

  /**
   * Writes the export to `destPath`: a ZIP file, or a folder that must be empty or new.
   * `inNewFolder`: `destPath` is a folder the user chose (not empty, typically); the
   * export goes into a new folder inside it named after the dataset.
   */
  async exportTo(datasetId: string, destPath: string, format: 'zip' | 'folder', inNewFolder = false): Promise<{ path: string; files: number; bytes: number }> {
    if (inNewFolder) {
      const base = safeFolder(this.datasets.get(datasetId).name) || 'dataset';
      for (let n = 1; ; n++) {
        const candidate = path.join(destPath, `${base}${n > 1 ? `-${n}` : ''}${format === 'zip' ? '.zip' : ''}`);
        if (!(await fs.stat(candidate).catch(() => null))) return this.exportTo(datasetId, candidate, format);
      }
    }
    if (format === 'zip') {
      const plan = this.plan(datasetId); // an unknown dataset is refused before any file is made
      await fs.mkdir(path.dirname(destPath), { recursive: true });
      const { tmp, done } = await this.partialBeside(destPath);
      let file: WriteStream | undefined;
      try {
        file = (await fs.open(tmp, 'w')).createWriteStream();
        // The ZIP starts only now, with its reader in place: an error it meets at once
        // (a missing file) then reaches this pipeline rather than an unlistened stream.
        await pipeline(this.zipOf(plan).stream, file);
        await fs.rename(tmp, destPath);
      } catch (err) {
        file?.destroy();
        await fs.rm(tmp, { force: true });
        throw err;
      } finally {
        await done();
      }
      return { path: destPath, files: plan.entries.length + plan.extras.length + 1, bytes: (await fs.stat(destPath)).size };
    }
    const { entries, manifest, extras } = this.plan(datasetId);
    const existing = await fs.readdir(destPath).catch(() => [] as string[]);
    if (existing.length > 0) throw new ContractError('conflict', `${destPath} is not empty: choose an empty or new folder`);
    // Written beside the destination and renamed into place at the end, so a half export
    // (a kill, a full disk) never sits at the destination looking whole.
    await fs.mkdir(path.dirname(destPath), { recursive: true });
    const { tmp, done } = await this.partialBeside(destPath);
    // Made even when no image is written (products without images still get dataset.json).
    await fs.mkdir(tmp);
    let bytes = 0;
    try {
      for (const e of entries) {
        const to = path.join(tmp, ...e.path.split('/'));
        const source = await this.readablePath(e);
        await fs.mkdir(path.dirname(to), { recursive: true });
        if (e.toPng) await sharp(source).png().toFile(to);
        else await fs.copyFile(source, to);
        bytes += (await fs.stat(to)).size;
      }
      for (const x of [...extras.map((e) => ({ name: e.name, json: e.json })), { name: MANIFEST, json: manifest }]) {
        const data = JSON.stringify(x.json, null, 2);
        await fs.writeFile(path.join(tmp, x.name), data);
        bytes += Buffer.byteLength(data);
      }
      // An empty destination folder (the one the user chose) gives way to the whole export.
      await fs.rmdir(destPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err.code === 'ENOTEMPTY' || err.code === 'EEXIST' ? new ContractError('conflict', `${destPath} is not empty any more: choose an empty or new folder`) : err;
      });
      await fs.rename(tmp, destPath);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    } finally {
      await done();
    }
    return { path: destPath, files: entries.length + extras.length + 1, bytes };
  }

  /**
   * A temp name beside `destPath` for an export being written, recorded in the library's
   * scratch folder until `done`: an export a kill stopped leaves its temp behind, and the
   * next start removes it (sweep). Unique per export: two exports to one destination must
   * not write one temp file.
   */
  private async partialBeside(destPath: string): Promise<{ tmp: string; done: () => Promise<void> }> {
    const tmp = `${destPath}.${process.pid}-${randomUUID().slice(0, 8)}.partial`;
    const record = path.join(this.scratchDir, `${EXPORT_RECORD}${randomUUID()}.json`);
    await fs.mkdir(this.scratchDir, { recursive: true });
    await fs.writeFile(record, JSON.stringify({ path: tmp }));
    return { tmp, done: () => fs.rm(record, { force: true }) };
  }

  /**
   * At start, before anything runs: removes what imports and exports a kill or crash
   * stopped left behind (unpacked ZIPs in scratch; temp exports beside their
   * destinations, found through their records). Only names this class makes are removed.
   */
  async sweep(): Promise<void> {
    for (const name of await fs.readdir(this.scratchDir).catch(() => [] as string[])) {
      const entry = path.join(this.scratchDir, name);
      if (name.startsWith('import-')) await fs.rm(entry, { recursive: true, force: true });
      if (!name.startsWith(EXPORT_RECORD)) continue;
      const left = await fs
        .readFile(entry, 'utf8')
        .then((t) => (JSON.parse(t) as { path?: unknown }).path)
        .catch(() => null);
      if (typeof left === 'string' && path.isAbsolute(left) && PARTIAL_NAME.test(path.basename(left))) await fs.rm(left, { recursive: true, force: true });
      await fs.rm(entry, { force: true });
    }
  }

  /** The stored file of an entry, or a clear error naming the image when the library lost it. */
  private async readablePath(e: Entry): Promise<string> {
    const file = this.store.pathOf(e.blob);
    try {
      await fs.access(file);
    } catch {
      throw new ContractError('unavailable', `${e.path}: its file (${e.blob.slice(0, 12)}…) is missing from the library, so the export stopped; re-add the image or remove it from the product`);
    }
    return file;
  }

  /**
   * A dataset from a folder in the export layout: products found by barcode (created when
   * missing, named from dataset.json when there is one), frames as synthetic images, real
   * photos as real, augmented files as augmented images of the new dataset with their
   * origin (source image, index) read from their names.
   */
  async importFolder(folder: string, name?: string, fallbackName?: string, label?: string): Promise<DatasetImportReport> {
    const stat = await fs.stat(folder).catch(() => null);
    if (!stat?.isDirectory()) throw new ContractError('invalid_input', `${folder} is not a folder (or a ZIP of one)`);
    const root = await layoutRoot(folder);
    const manifest = await fs
      .readFile(path.join(root, MANIFEST), 'utf8')
      .then((t) => JSON.parse(t) as Partial<Manifest>)
      .catch(() => null);
    const byFolder = new Map((manifest?.products ?? []).map((p) => [p.folder, p]));
    const refused: DatasetImportReport['refused'] = [];
    const planned: { split: Split; folder: string; files: string[] }[] = [];
    for (const split of Split.options) {
      const dir = path.join(root, split);
      const folders = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const f of folders.filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
        const files: string[] = [];
        for (const e of await fs.readdir(path.join(dir, f.name), { withFileTypes: true })) {
          if (e.isFile()) files.push(e.name);
          else if (e.isDirectory() && e.name === 'real') for (const r of await fs.readdir(path.join(dir, f.name, 'real'))) files.push(`real/${r}`);
        }
        planned.push({ split, folder: f.name, files: files.sort() });
      }
    }
    // Products the manifest lists without a folder (they had no images when exported) still join.
    const seen = new Set(planned.map((p) => p.folder));
    for (const mp of manifest?.products ?? []) {
      const split = Split.safeParse(mp.split);
      if (split.success && typeof mp.folder === 'string' && !seen.has(mp.folder)) {
        planned.push({ split: split.data, folder: mp.folder, files: [] });
        seen.add(mp.folder);
      }
    }
    if (planned.length === 0) throw new ContractError('invalid_input', `${label ?? root} has no train/, valid/ or test/ product folders (and no dataset.json listing products)`);

    // First every file into the blob store, with no row written: an import stopped here (a
    // kill, a crash, a full disk) leaves no dataset and no product, only unreferenced blobs.
    type Parsed = NonNullable<ReturnType<typeof parseName>>;
    type Stored = Awaited<ReturnType<DatasetFiles['ingestAll']>>;
    const read: { plan: (typeof planned)[number]; originals: { file: string; parsed: Parsed }[]; stored: Stored; augmented: { file: string; parsed: Parsed }[]; storedAug: Stored }[] = [];
    for (const p of planned) {
      const images: { file: string; parsed: Parsed }[] = [];
      for (const rel of p.files) {
        const parsed = parseName(rel);
        if (!parsed) refused.push({ path: `${p.split}/${p.folder}/${rel}`, reason: 'not a name of the layout (frame_NNNN.png, syn_…, real/…)' });
        else images.push({ file: path.join(root, p.split, p.folder, ...rel.split('/')), parsed });
      }
      // Originals first, so the augmented files can name their source image's new id.
      const originals = images.filter((i) => i.parsed.type !== 'augmented');
      const augmented = images.filter((i) => i.parsed.type === 'augmented');
      read.push({ plan: p, originals, stored: await this.ingestAll(originals.map((i) => i.file), refused, root), augmented, storedAug: await this.ingestAll(augmented.map((i) => i.file), refused, root) });
    }

    // Then the products, the dataset and its images in one transaction: the dataset is listed
    // only once all of it is in.
    return this.datasets.atomically(() => {
      let productsCreated = 0;
      let productsFound = 0;
      const counts = { synthetic: 0, real: 0, augmented: 0 };
      let alreadyHeld = 0;
      const members = read.map(({ plan: p }) => {
        const info = byFolder.get(p.folder);
        const code = BarcodeCode.safeParse(info?.barcode ?? p.folder);
        // A product without a barcode was exported under its id: found by it in the library it came from.
        let product = code.success ? this.catalog.byBarcode(code.data) : Id.safeParse(p.folder).success && this.catalog.exists(p.folder) ? this.catalog.get(p.folder) : null;
        if (product) productsFound++;
        else {
          product = this.catalog.create({
            barcodes: code.success ? [code.data] : [],
            allowInvalidCheckDigit: true,
            brandName: info?.brandName ?? '',
            productName: info?.productName ?? (code.success ? '' : p.folder),
          });
          productsCreated++;
        }
        return { productId: product.id, split: p.split };
      });
      const dataset = this.datasets.createWithSplits(
        { name: name ?? manifest?.name ?? fallbackName ?? path.basename(root), description: manifest?.description ?? '', splitRatios: manifest?.splitRatios, splitSeed: manifest?.splitSeed },
        members,
      );
      const held = this.catalog.imageFilesOf(members.map((m) => m.productId));
      read.forEach(({ originals, stored, augmented, storedAug }, i) => {
        const m = members[i]!;
        // A frame or real photo the product holds already (same bytes, same role) is not added
        // twice: a dataset imported back into the library it came from adds only what is new.
        // Augmented images belong to their dataset (source: the dataset), so the new dataset gets its own.
        const already = new Map((held.get(m.productId) ?? []).map((f) => [`${f.type}:${f.sha256}`, f.id]));
        const stemToId = new Map<string, string>();
        const originalRows: NewProductImage[] = [];
        const originalStems: string[] = [];
        originals.forEach((img, k) => {
          const st = stored[k];
          if (!st || img.parsed.type === 'augmented') return;
          const same = already.get(`${img.parsed.type}:${st.sha256}`);
          if (same) {
            stemToId.set(`${img.parsed.type}:${img.parsed.stem}`, same);
            alreadyHeld++;
            return;
          }
          const frameIndex = img.parsed.type === 'synthetic' ? Number(/(\d+)$/.exec(img.parsed.stem)?.[1] ?? 0) : null;
          originalRows.push({ ...st, type: img.parsed.type, source: { kind: 'file', id: null }, frameIndex, meta: img.parsed.type === 'real' ? { fileName: path.basename(img.file) } : {} });
          originalStems.push(`${img.parsed.type}:${img.parsed.stem}`);
        });
        const ids = originalRows.length ? this.catalog.addImages(m.productId, originalRows) : [];
        ids.forEach((id, k) => stemToId.set(originalStems[k]!, id));
        for (const r of originalRows) counts[r.type]++;

        const rows: NewProductImage[] = [];
        augmented.forEach((img, k) => {
          const st = storedAug[k];
          const parsed = img.parsed;
          if (!st || parsed.type !== 'augmented') return;
          const sourceImageId = stemToId.get(`${parsed.kind}:${parsed.sourceStem}`);
          if (!sourceImageId) {
            refused.push({ path: path.relative(root, img.file), reason: `its source ${parsed.sourceStem} is not in the folder` });
            return;
          }
          rows.push({ ...st, type: 'augmented', source: { kind: 'dataset', id: dataset.id }, meta: { augmentation: { kind: parsed.kind, sourceImageId, index: parsed.index, pipeline: 'imported', seed: null, runId: null } } });
        });
        if (rows.length) this.catalog.addImages(m.productId, rows);
        counts.augmented += rows.length;
      });
      this.catalog.changed(members.map((m) => m.productId));
      return { dataset: this.datasets.get(dataset.id), productsCreated, productsFound, images: counts, alreadyHeld, refused };
    });
  }

  /** A dataset from a folder in the export layout or a ZIP of one (what a user drops or picks). */
  async importPath(source: string, name?: string): Promise<DatasetImportReport> {
    const stat = await fs.stat(source).catch(() => null);
    if (!stat) throw new ContractError('not_found', `${source} does not exist`);
    if (stat.isDirectory()) return this.importFolder(source, name);
    return this.importZip(source, name, path.basename(source).replace(/\.zip$/i, ''));
  }

  /** A dataset from a ZIP of the export layout: unpacked into scratch, imported, the scratch removed. */
  async importZip(file: string, name?: string, fallbackName = 'Imported dataset'): Promise<DatasetImportReport> {
    if (!(await looksLikeZip(file))) throw new ContractError('invalid_input', `${path.basename(file)} is neither a folder nor a ZIP`);
    await fs.mkdir(this.scratchDir, { recursive: true });
    const tmp = await fs.mkdtemp(path.join(this.scratchDir, 'import-'));
    try {
      const unpacked = await unzipTo(file, tmp);
      const report = await this.importFolder(tmp, name, fallbackName, `the ZIP ${path.basename(file)}`);
      return { ...report, refused: [...unpacked.refused, ...report.refused] };
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  /** Stores files through the image workers (checked, thumbnailed); a bad file is refused with its reason. */
  private async ingestAll(files: readonly string[], refused: DatasetImportReport['refused'], root: string): Promise<(Omit<NewProductImage, 'type' | 'source'> | null)[]> {
    return Promise.all(
      files.map(async (file) => {
        const r = await this.images.ingest(file);
        if (!r.ok) {
          refused.push({ path: path.relative(root, file), reason: r.reason });
          return null;
        }
        return { sha256: r.sha256, format: r.format, width: r.width, height: r.height, bytes: r.bytes, thumbSha256: r.thumb.sha256 } satisfies Omit<NewProductImage, 'type' | 'source'>;
      }),
    );
  }
}

/**
 * The folder holding train/, valid/, test/: the one given, or its only subfolder (a ZIP
 * made by compressing the export folder itself has one more level).
 */
/** The scratch folder's records of exports being written: `export-<uuid>.json`, holding the temp's path. */
const EXPORT_RECORD = 'export-';
/** The temp names partialBeside makes: `<destination>.<pid>-<8 hex>.partial`. */
const PARTIAL_NAME = /\.\d+-[0-9a-f]{8}\.partial$/;

async function layoutRoot(folder: string): Promise<string> {
  const entries = await fs.readdir(folder, { withFileTypes: true });
  if (entries.some((e) => e.isDirectory() && (Split.options as readonly string[]).includes(e.name))) return folder;
  const dirs = entries.filter((e) => e.isDirectory() && e.name !== '__MACOSX');
  return dirs.length === 1 ? layoutRoot(path.join(folder, dirs[0]!.name)) : folder;
}
