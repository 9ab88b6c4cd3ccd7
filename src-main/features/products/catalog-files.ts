/**
 * Catalog files in and out: CSV (csv-parse / csv-stringify: quoting, BOMs and line breaks
 * inside fields are theirs to get right) and JSON; a ZIP per selection with each product's
 * metadata.json and images (streamed; stored-zip.ts says why not yazl).
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import {
  BarcodeCode,
  ContractError,
  Id,
  NutritionFact,
  PRODUCT_CSV_COLUMNS,
  ProductFields,
  ProductStatus,
  type ExportFormat,
  type ImportReport,
  type Product,
} from '../../../src-shared/contract/index.js';
import { z } from 'zod';
import type { ProductCatalog } from './catalog.js';
import { StoredZipWriter } from './stored-zip.js';
import { searchFold } from '../../../src-shared/search-fold.js';

/** Field a catalog column stands for, by its usual names (lower-cased, separators dropped). */
const ALIASES: Record<string, string> = {
  id: 'id',
  barcode: 'barcodes',
  barcodes: 'barcodes',
  ean: 'barcodes',
  gtin: 'barcodes',
  upc: 'barcodes',
  brand: 'brandName',
  brandname: 'brandName',
  subbrand: 'subBrand',
  product: 'productName',
  productname: 'productName',
  name: 'productName',
  title: 'productName',
  variant: 'variant',
  flavor: 'variant',
  flavour: 'variant',
  category: 'category',
  containertype: 'containerType',
  container: 'containerType',
  netquantity: 'netQuantity',
  quantity: 'netQuantity',
  size: 'netQuantity',
  nutrition: 'nutrition',
  nutritionfacts: 'nutrition',
  claims: 'claims',
  groundingprompt: 'groundingPrompt',
  prompt: 'groundingPrompt',
  visibilityscore: 'visibilityScore',
  visibility: 'visibilityScore',
  status: 'status',
  // Turkish headers (the app's second language), folded as norm() folds them.
  barkod: 'barcodes',
  marka: 'brandName',
  altmarka: 'subBrand',
  urun: 'productName',
  urunadi: 'productName',
  ad: 'productName',
  varyant: 'variant',
  aroma: 'variant',
  kategori: 'category',
  ambalaj: 'containerType',
  miktar: 'netQuantity',
  netmiktar: 'netQuantity',
  durum: 'status',
};

const TARGETS = new Set(['barcodes', 'status', ...Object.keys(ProductFields.shape)]);
const MAX_ROWS = 200_000;

interface CatalogRow {
  row: number;
  /** The product's id when the file carries one (Atölye's own export): how a row without a barcode finds its product again. */
  id?: string;
  barcodes: string[];
  status: ProductStatus | undefined;
  fields: Partial<ProductFields>;
}

/** A header as the aliases are keyed: accents and Turkish i's folded ("Ürün adı" → "urunadi"), then letters and digits only. */
const norm = (key: string) => searchFold(key).replace(/[^a-z0-9]/g, '');

/**
 * The CSV's delimiter, from its header line: Excel writes `;` where the decimal mark is a
 * comma (Turkish, German, French…), and tab-separated exports are common too. The one of
 * `,` `;` tab seen most often outside quotes wins; a comma when none is.
 */
export function csvDelimiter(text: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/**
 * The export writes a text cell a spreadsheet would run as a formula with a leading
 * apostrophe (csv-stringify's `escape_formulas`, OWASP's CSV-injection advice: `=`, `+`,
 * `-`, `@`, tab, CR and their full-width forms first); the import takes that apostrophe
 * off again, so an export → import round trip keeps the text.
 */
const ESCAPED_FORMULA = /^'[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const unescapeFormula = (v: string): string => (ESCAPED_FORMULA.test(v) ? v.slice(1) : v);

/** Reads a CSV or JSON catalog into rows of product fields; a row that cannot be read is reported, the rest go on. */
export async function readCatalogFile(
  file: string,
  format: 'csv' | 'json' | undefined,
  mapping: Record<string, string> = {},
): Promise<{ rows: CatalogRow[]; refused: ImportReport['refused']; mapping: Record<string, string> }> {
  const raw = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ContractError(err.code === 'ENOENT' ? 'not_found' : 'invalid_input', `cannot read ${path.basename(file)}: ${err.message}`);
  });
  // A byte-order mark (Notepad, Excel's "UTF-8 CSV") is not content, for JSON as for CSV.
  const text = raw.replace(/^\uFEFF/, '');
  const kind = format ?? (/\.json$/i.test(file) || /^\s*[[{]/.test(text) ? 'json' : 'csv');
  let records: Record<string, unknown>[];
  try {
    if (kind === 'json') {
      const parsed = JSON.parse(text) as unknown;
      const list = Array.isArray(parsed) ? parsed : (parsed as { products?: unknown }).products;
      if (!Array.isArray(list)) throw new Error('expected an array of products, or { "products": [...] }');
      records = list.map((r) => (r && typeof r === 'object' ? (r as Record<string, unknown>) : {}));
    } else {
      records = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, delimiter: csvDelimiter(text) }) as Record<string, string>[];
    }
  } catch (err) {
    throw new ContractError('invalid_input', `${path.basename(file)} is not a readable ${kind.toUpperCase()} catalog: ${(err as Error).message}`);
  }
  if (records.length > MAX_ROWS) throw new ContractError('invalid_input', `${path.basename(file)} has ${records.length} rows; import at most ${MAX_ROWS} at a time`);
  for (const target of Object.values(mapping)) {
    if (!TARGETS.has(target) && target !== 'id' && target !== '') throw new ContractError('invalid_input', `mapping: "${target}" is not a product field`);
  }
  const columns = new Set(records.flatMap((r) => Object.keys(r)));
  const used: Record<string, string> = {};
  for (const column of columns) {
    const target = mapping[column] ?? ALIASES[norm(column)];
    if (target) used[column] = target;
  }
  const rows: CatalogRow[] = [];
  const refused: ImportReport['refused'] = [];
  records.forEach((record, i) => {
    const rowNumber = i + 1;
    try {
      rows.push(readRow(record, used, rowNumber));
    } catch (err) {
      refused.push({ row: rowNumber, barcode: null, reason: (err as Error).message });
    }
  });
  return { rows, refused, mapping: used };
}

function readRow(record: Record<string, unknown>, used: Record<string, string>, row: number): CatalogRow {
  const raw: Record<string, unknown> = {};
  let barcodes: string[] = [];
  let status: ProductStatus | undefined;
  let id: string | undefined;
  for (const [column, target] of Object.entries(used)) {
    const cell = record[column];
    const value = typeof cell === 'string' ? unescapeFormula(cell) : cell;
    if (value === undefined || value === null || value === '') continue;
    if (target === 'barcodes') {
      const list = Array.isArray(value) ? value.map(String) : String(value).split(/[;,|\s]+/);
      barcodes = [...barcodes, ...list.map((c) => c.trim()).filter(Boolean)];
    } else if (target === 'status') {
      const s = ProductStatus.safeParse(String(value).trim().toLowerCase().replace(/[\s-]+/g, '_'));
      if (!s.success) throw new Error(`status "${String(value)}" is not one of ${ProductStatus.options.join(', ')}`);
      status = s.data;
    } else if (target === 'nutrition') {
      raw.nutrition = typeof value === 'string' ? JSON.parse(value) : value;
    } else if (target === 'claims') {
      raw.claims = Array.isArray(value) ? value.map(String) : claimsFromCell(String(value));
    } else if (target === 'visibilityScore') {
      raw.visibilityScore = Number(value);
    } else if (target === 'id') {
      const text = String(value).trim().toLowerCase();
      if (Id.safeParse(text).success) id = text;
    } else {
      raw[target] = String(value);
    }
  }
  for (const code of barcodes) {
    const ok = BarcodeCode.safeParse(code);
    if (!ok.success) throw new Error(`barcode "${code}": ${ok.error.issues[0]?.message ?? 'invalid'}`);
  }
  const fields = ImportedFields.safeParse(raw);
  if (!fields.success) throw new Error(fields.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  if (barcodes.length === 0 && !fields.data.productName) throw new Error('no barcode and no product name');
  return { row, ...(id ? { id } : {}), barcodes: [...new Set(barcodes)], status, fields: fields.data };
}

/**
 * Claims in one CSV cell: "a; b" as people write them, or, when a claim itself holds a
 * `;` or `|`, a JSON array, so export → import gives back the same claims.
 */
function claimsCell(claims: readonly string[]): string {
  return claims.some((c) => /[;|]/.test(c)) ? JSON.stringify(claims) : claims.join('; ');
}

function claimsFromCell(cell: string): string[] {
  if (cell.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(cell) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
    } catch {
      // not JSON after all: read as a list
    }
  }
  return cell.split(/[;|]/).map((c) => c.trim()).filter(Boolean);
}

/** A row's fields as imported (built once: zod compiles a schema on first use, and this ran per row). */
const ImportedFields = ProductFields.partial().extend({ nutrition: z.array(NutritionFact).optional() });

/**
 * Applies rows to the catalog: a row whose barcode is known updates that product (new
 * barcodes added, fields that differ changed), otherwise a product is created. Each row in
 * its own savepoint, all in one transaction: a refused row changes nothing, the others land.
 */
export function applyCatalogRows(catalog: ProductCatalog, db: { transaction: <T>(fn: () => T) => () => T }, rows: readonly CatalogRow[], dryRun: boolean): Omit<ImportReport, 'rows' | 'mapping'> {
  const report = { created: 0, updated: 0, unchanged: 0, refused: [] as ImportReport['refused'] };
  const touched: string[] = [];
  const run = () => {
    for (const r of rows) {
      try {
        db.transaction(() => applyRow(catalog, r, report, touched))();
      } catch (err) {
        report.refused.push({ row: r.row, barcode: r.barcodes[0] ?? null, reason: (err as Error).message });
      }
    }
    if (dryRun) throw new DryRun();
  };
  try {
    db.transaction(run)();
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
  }
  if (!dryRun) catalog.changed(touched.length > 200 ? null : touched);
  return report;
}

class DryRun extends Error {}

function applyRow(catalog: ProductCatalog, r: CatalogRow, report: { created: number; updated: number; unchanged: number }, touched: string[]): void {
  const owners = new Set(r.barcodes.map((c) => catalog.byBarcode(c)?.id).filter((id): id is string => id !== undefined));
  if (owners.size > 1) throw new Error(`its barcodes belong to ${owners.size} different products (${[...owners].map((id) => catalog.describe(id)).join('; ')})`);
  // Barcodes decide; a row without a known barcode may still name its product by id
  // (re-importing Atölye's own export must update, not duplicate, a product without a barcode).
  const existingId = owners.size ? [...owners][0] : r.id && catalog.exists(r.id) ? r.id : undefined;
  if (!existingId) {
    const made = catalog.create({ ...r.fields, barcodes: r.barcodes, status: r.status ?? 'pending' });
    touched.push(made.id);
    report.created++;
    return;
  }
  let product = catalog.get(existingId);
  const patch: Partial<ProductFields> = {};
  for (const [key, value] of Object.entries(r.fields) as [keyof ProductFields, unknown][]) {
    if (JSON.stringify(product[key]) !== JSON.stringify(value)) (patch as Record<string, unknown>)[key] = value;
  }
  // A code the product has already, in any spelling of the same GTIN, is not new.
  const newCodes = r.barcodes.filter((c) => catalog.byBarcode(c)?.id !== product.id);
  if (Object.keys(patch).length === 0 && newCodes.length === 0 && (!r.status || r.status === product.status)) {
    report.unchanged++;
    return;
  }
  if (Object.keys(patch).length) product = catalog.update(product.id, product.version, patch);
  for (const code of newCodes) product = catalog.addBarcode(product.id, product.version, code);
  if (r.status && r.status !== product.status) {
    const moved = catalog.setStatus([product.id], r.status);
    if (moved.refused.length) throw new Error(`status cannot go from ${product.status} to ${r.status}`);
  }
  touched.push(product.id);
  report.updated++;
}

// ------------------------------------------------------------ export

const CSV_EXTRA = ['sub_brand', 'variant', 'container_type', 'net_quantity', 'claims', 'nutrition', 'grounding_prompt', 'visibility_score', 'barcodes', 'real_count', 'augmented_count', 'updated_at'] as const;

function csvRecord(p: Product): Record<string, string | number> {
  return {
    id: p.id,
    barcode: p.barcode ?? '',
    brand_name: p.brandName,
    product_name: p.productName,
    category: p.category ?? '',
    status: p.status,
    frame_count: p.counts.synthetic,
    created_at: new Date(p.createdAt).toISOString(),
    sub_brand: p.subBrand ?? '',
    variant: p.variant ?? '',
    container_type: p.containerType ?? '',
    net_quantity: p.netQuantity ?? '',
    claims: claimsCell(p.claims),
    nutrition: p.nutrition.length ? JSON.stringify(p.nutrition) : '',
    grounding_prompt: p.groundingPrompt ?? '',
    visibility_score: p.visibilityScore ?? '',
    barcodes: p.barcodes.map((b) => b.code).join('; '),
    real_count: p.counts.real,
    augmented_count: p.counts.augmented,
    updated_at: new Date(p.updatedAt).toISOString(),
  };
}

/** Products in pages of 500, so a 50,000-product export never holds them all. */
function* pages(catalog: ProductCatalog, ids: readonly string[]): Generator<Product[]> {
  for (let i = 0; i < ids.length; i += 500) yield catalog.many(ids.slice(i, i + 500));
}

/** A file name from a barcode (digits) or the id. */
const folderOf = (p: Product) => p.barcode ?? p.id;

export function exportStream(catalog: ProductCatalog, ids: readonly string[], format: ExportFormat): { stream: Readable; fileName: string; contentType: string } {
  const stamp = new Date().toISOString().slice(0, 10);
  if (format === 'csv') {
    // A UTF-8 BOM first: Excel then reads Turkish (and every other) letters right.
    const csv = stringify({ header: true, columns: [...PRODUCT_CSV_COLUMNS, ...CSV_EXTRA], bom: true, escape_formulas: true });
    const source = Readable.from(
      (function* () {
        for (const page of pages(catalog, ids)) for (const p of page) yield csvRecord(p);
      })(),
    );
    source.pipe(csv);
    return { stream: csv, fileName: `products-${stamp}.csv`, contentType: 'text/csv; charset=utf-8' };
  }
  if (format === 'json') {
    const stream = Readable.from(
      (function* () {
        yield '[\n';
        let first = true;
        for (const page of pages(catalog, ids)) {
          for (const p of page) {
            yield `${first ? '' : ',\n'}${JSON.stringify(p)}`;
            first = false;
          }
        }
        yield '\n]\n';
      })(),
    );
    return { stream, fileName: `products-${stamp}.json`, contentType: 'application/json; charset=utf-8' };
  }
  const zip = new StoredZipWriter();
  const out = zip.stream;
  void fillZip(catalog, ids, zip).catch((err: Error) => out.destroy(err));
  const only = ids.length === 1 ? catalog.many(ids)[0] : undefined;
  const fileName = only ? `${folderOf(only)}.zip` : `products-${stamp}.zip`;
  return { stream: out, fileName, contentType: 'application/zip' };
}

/**
 * Fills the ZIP as its reader takes it. Every entry is stored, not deflated: the images
 * are JPEG/PNG/WebP already, and deflating each small metadata.json in its own zlib stream
 * (yazl's way, thousands at once) cost more than it saved. A page of products and their
 * images is two queries; a product's image files are read together, and the output is
 * awaited whenever it is full, so a slow download (or disk) holds the reading back and
 * memory stays at about one product's images.
 */
async function fillZip(catalog: ProductCatalog, ids: readonly string[], zip: StoredZipWriter): Promise<void> {
  const out = zip.stream;
  const used = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const page = catalog.many(ids.slice(i, i + 500));
    const files = catalog.imageFilesOf(page.map((p) => p.id));
    for (const p of page) {
      if (out.destroyed) return; // the reader went away (a cancelled download)
      let folder = folderOf(p);
      for (let n = 2; used.has(folder); n++) folder = `${folderOf(p)}-${n}`;
      used.add(folder);
      const modified = new Date(p.updatedAt);
      zip.add(`${folder}/metadata.json`, Buffer.from(`${JSON.stringify(p, null, 2)}\n`), modified);
      const images = files.get(p.id) ?? [];
      const contents = await Promise.all(images.map((img) => fs.readFile(img.path)));
      images.forEach((img, k) => {
        const ext = img.format === 'jpeg' ? 'jpg' : img.format;
        const stem = img.type === 'synthetic' && img.frameIndex !== null ? `frame_${String(img.frameIndex).padStart(4, '0')}` : img.id;
        zip.add(`${folder}/${img.type}/${stem}.${ext}`, contents[k]!, modified);
      });
      await drained(out);
    }
  }
  zip.end();
}

/** Resolves when a stream's buffer has emptied (or it closed: the caller then sees `destroyed`). */
function drained(stream: PassThrough): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Writes an export to `dest` through a temp file: a failure (a full disk) leaves no half file. */
export async function exportToFile(catalog: ProductCatalog, ids: readonly string[], format: ExportFormat, dest: string): Promise<{ path: string; bytes: number; products: number }> {
  const target = path.resolve(dest);
  const dir = await fs.stat(path.dirname(target)).catch(() => null);
  if (!dir?.isDirectory()) throw new ContractError('invalid_input', `no folder ${path.dirname(target)} to write into`);
  const tmp = `${target}.${process.pid}.part`;
  try {
    await pipeline(exportStream(catalog, ids, format).stream, createWriteStream(tmp));
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return { path: target, bytes: (await fs.stat(target)).size, products: ids.length };
}
