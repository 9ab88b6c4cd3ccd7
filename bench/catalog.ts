/**
 * bench:catalog — the products catalog at the size of a mid-size retailer (50,000 products).
 *
 *  1. A realistic catalog is generated (seeded): brands and product names by category,
 *     EAN-13 / UPC-A / EAN-8 barcodes with valid check digits (one in ten products has a
 *     second one), statuses, sizes, claims, nutrition; written as a CSV and imported the
 *     user's way (products.import). One product in twenty gets 1–40 video frames (small
 *     stored images), so "sort by frame count" has something to sort.
 *  2. Engine latency of products.list through the contract dispatcher (input and output
 *     validated, as every transport does), 50 runs each, median and p95: the first page,
 *     a barcode prefix, a word of the name, a status filter, a category filter, sort by
 *     frame count (desc), a deep page (offset 49,900). Peer, same run: the floor of one
 *     indexed lookup of 100 rows by primary key through the same dispatcher (products.get
 *     ×1 would be too small; the floor is `SELECT … WHERE id IN (100 ids)` + barcodes).
 *  3. Export speed (CSV, JSON, ZIP with metadata and the frames) in products/s.
 *  4. UI latency in Chromium (Debian's, through Playwright's library API) against
 *     `atolye serve` on that library: typing a search until the first matching row shows
 *     (barcode prefix and name word, 10 each), and frame times while the 50,000-row table
 *     scrolls at constant speed (p95/p99), with the DOM row count sampled every frame;
 *     peer: the same page's idle frame times. Needs dist/renderer (node scripts/build.mjs --renderer).
 *
 *   node --import tsx bench/catalog.ts [--products 50000] [--runs 50] [--no-ui] [--keep] [--ui-from DATA_DIR] [--queries-from DATA_DIR]
 *     [--export-only] [--formats csv,json,zip]
 *
 * The last line printed is one JSON object.
 */
import { createWriteStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { chromium } from '@playwright/test';
import { createDispatcher } from '../src-main/engine/api/dispatch.js';
import type { Engine } from '../src-main/engine/engine.js';
import { newId } from '../src-main/engine/ids.js';
import { packageRoot } from '../src-main/engine/package-root.js';
import { openEngine } from '../src-main/features/index.js';
import { productsFeature, type ProductCatalog } from '../src-main/features/products/public.js';
import { exportStream } from '../src-main/features/products/catalog-files.js';
import type { ImportReport, Product, ProductListInput } from '../src-shared/contract/index.js';
import { chromiumArgs, chromiumPath } from '../e2e/support/chromium.js';
import { startServerProcess, type ServerProcess } from '../e2e/support/server.js';
import { machine } from './dataset.js';

const { values: flags } = parseArgs({
  options: {
    products: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '50' },
    'no-ui': { type: 'boolean', default: false },
    /** Only the UI figures, on a library a run kept (`--keep`): `--ui-from .bench/catalog-<pid>/data`. */
    'ui-from': { type: 'string' },
    /** Only the products.list figures, on a library a run kept (with the same --products). */
    'queries-from': { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** Only import, frames and the export figures (no list queries, no UI): `--export-only --formats zip`. */
    'export-only': { type: 'boolean', default: false },
    /** Which exports to measure, comma-separated. */
    formats: { type: 'string', default: 'csv,json,zip' },
  },
});
const PRODUCTS = Number(flags.products);
const RUNS = Number(flags.runs);
const work = path.join(packageRoot, '.bench', `catalog-${process.pid}`);
const log = (line: string) => console.log(`[bench:catalog] ${line}`);

// ------------------------------------------------------------ a realistic catalog

/** Deterministic: the same catalog on every machine (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface CategorySpec {
  name: string;
  brands: string[];
  nouns: string[];
  variants: string[];
  sizes: string[];
  container: string[];
}

const CATEGORIES: CategorySpec[] = [
  { name: 'Soft drinks', brands: ['Coca-Cola', 'Pepsi', 'Fanta', 'Sprite', 'Uludağ', 'Schweppes', '7UP', 'Çamlıca'], nouns: ['Cola', 'Zero Sugar', 'Orange Soda', 'Lemonade', 'Tonic Water', 'Gazoz', 'Ginger Ale'], variants: ['Original', 'Cherry', 'Lime', 'Vanilla', 'Light', 'Mango'], sizes: ['250 ml', '330 ml', '500 ml', '1 l', '1.5 l', '2.5 l'], container: ['can', 'bottle', 'glass bottle'] },
  { name: 'Juice', brands: ['Cappy', 'Dimes', 'Tropicana', 'Meysu', 'Bravo', 'Innocent'], nouns: ['Orange Juice', 'Apple Juice', 'Peach Nectar', 'Cherry Nectar', 'Smoothie', 'Pomegranate Juice'], variants: ['Pulp Free', 'With Bits', 'No Added Sugar', 'Mixed Fruit'], sizes: ['200 ml', '1 l', '1.75 l'], container: ['carton', 'bottle'] },
  { name: 'Water', brands: ['Erikli', 'Hayat', 'Evian', 'Beypazarı', 'Kızılay', 'Volvic'], nouns: ['Spring Water', 'Mineral Water', 'Sparkling Water', 'Maden Suyu'], variants: ['Natural', 'Lemon', 'Apple', 'Plain'], sizes: ['330 ml', '500 ml', '1.5 l', '5 l', '19 l'], container: ['bottle', 'glass bottle', 'can'] },
  { name: 'Coffee', brands: ['Nescafé', 'Jacobs', 'Kurukahveci Mehmet Efendi', 'Lavazza', 'Starbucks', 'Tchibo'], nouns: ['Instant Coffee', 'Ground Coffee', 'Coffee Beans', 'Turkish Coffee', '3in1 Sachets', 'Espresso Capsules'], variants: ['Classic', 'Gold', 'Decaf', 'Dark Roast', 'Hazelnut'], sizes: ['100 g', '200 g', '250 g', '500 g', '1 kg', '10 x 18 g'], container: ['jar', 'bag', 'box', 'tin'] },
  { name: 'Tea', brands: ['Çaykur', 'Lipton', 'Doğadan', 'Ahmad Tea', 'Twinings', 'Tetley'], nouns: ['Black Tea', 'Green Tea', 'Earl Grey', 'Rize Tea', 'Herbal Tea', 'Linden Tea'], variants: ['Loose Leaf', 'Tea Bags', 'Lemon', 'Mint', 'Chamomile'], sizes: ['20 bags', '100 bags', '500 g', '1 kg'], container: ['box', 'bag'] },
  { name: 'Milk', brands: ['Pınar', 'Sütaş', 'Arla', 'Oatly', 'Alpro', 'Valio', 'Torku', 'Danone'], nouns: ['Whole Milk', 'Semi-Skimmed Milk', 'Lactose Free Milk', 'Oat Drink', 'Almond Drink', 'Mellanmjölk', 'Ayran'], variants: ['Organic', 'Barista', 'Chocolate', 'Strawberry', 'Plain'], sizes: ['200 ml', '500 ml', '1 l', '1.5 l'], container: ['carton', 'bottle'] },
  { name: 'Yogurt', brands: ['Danone', 'Activia', 'Sütaş', 'Pınar', 'Yoplait', 'Arla', 'Ekşisüt'], nouns: ['Greek Yogurt', 'Set Yogurt', 'Drinking Yogurt', 'Fruit Yogurt', 'Süzme Yoğurt', 'Kefir'], variants: ['Strawberry', 'Vanilla', 'Blueberry', 'Natural', 'Honey', 'Peach'], sizes: ['125 g', '4 x 125 g', '500 g', '1 kg'], container: ['cup', 'tub', 'bottle'] },
  { name: 'Cheese', brands: ['Pınar', 'Sütaş', 'Président', 'Philadelphia', 'Tahsildaroğlu', 'Kerrygold'], nouns: ['White Cheese', 'Kaşar', 'Cheddar', 'Cream Cheese', 'Labneh', 'Mozzarella', 'Tulum'], variants: ['Light', 'Mature', 'Sliced', 'Grated', 'Classic'], sizes: ['150 g', '200 g', '350 g', '500 g', '1 kg'], container: ['tub', 'pack', 'wrapper'] },
  { name: 'Bakery', brands: ['Uno', 'Untad', 'Harry’s', 'Warburtons', 'Pågen'], nouns: ['Sliced Bread', 'Whole Wheat Bread', 'Burger Buns', 'Tortilla Wraps', 'Croissants', 'Simit'], variants: ['White', 'Multigrain', 'Rye', 'Sourdough', 'Gluten Free'], sizes: ['6 pcs', '350 g', '500 g', '700 g'], container: ['bag', 'pack'] },
  { name: 'Breakfast cereal', brands: ['Kellogg’s', 'Nestlé', 'Eti', 'Quaker', 'Dorset Cereals'], nouns: ['Corn Flakes', 'Granola', 'Muesli', 'Porridge Oats', 'Choco Balls', 'Crunchy Clusters'], variants: ['Honey', 'Chocolate', 'Berries', 'Nuts', 'Original'], sizes: ['375 g', '450 g', '500 g', '750 g'], container: ['box', 'bag'] },
  { name: 'Chips & snacks', brands: ['Lay’s', 'Doritos', 'Ruffles', 'Pringles', 'Çerezza', 'Patos', 'Cheetos'], nouns: ['Potato Chips', 'Tortilla Chips', 'Corn Puffs', 'Pretzels', 'Popcorn', 'Mixed Nuts'], variants: ['Salted', 'Paprika', 'Cheese', 'Sour Cream & Onion', 'Barbecue', 'Chili'], sizes: ['40 g', '107 g', '150 g', '200 g', '300 g'], container: ['bag', 'tube', 'box'] },
  { name: 'Chocolate', brands: ['Milka', 'Ülker', 'Nestlé', 'Lindt', 'Tadelle', 'Toblerone', 'Marabou', 'Cadbury'], nouns: ['Milk Chocolate', 'Dark Chocolate', 'Hazelnut Bar', 'Wafer Bar', 'Pralines', 'Çikolatalı Gofret'], variants: ['Hazelnut', 'Almond', 'Caramel', '70% Cocoa', 'Pistachio', 'Orange'], sizes: ['30 g', '80 g', '100 g', '180 g', '300 g'], container: ['wrapper', 'box', 'bag'] },
  { name: 'Biscuits', brands: ['Eti', 'Ülker', 'McVitie’s', 'Oreo', 'LU', 'Şölen'], nouns: ['Digestive Biscuits', 'Cream Biscuits', 'Crackers', 'Cookies', 'Petit Beurre', 'Kremalı Bisküvi'], variants: ['Chocolate', 'Vanilla', 'Cocoa', 'Oat', 'Lemon'], sizes: ['100 g', '154 g', '250 g', '400 g'], container: ['pack', 'box'] },
  { name: 'Pasta & rice', brands: ['Barilla', 'Filiz', 'Nuhun Ankara', 'Baldo', 'Uncle Ben’s', 'Yayla'], nouns: ['Spaghetti', 'Penne', 'Fusilli', 'Baldo Rice', 'Basmati Rice', 'Bulgur', 'Orzo'], variants: ['Whole Wheat', 'Classic', 'Gluten Free', 'Organic'], sizes: ['500 g', '1 kg', '2.5 kg', '5 kg'], container: ['box', 'bag'] },
  { name: 'Canned food', brands: ['Tat', 'Tamek', 'Heinz', 'Bonduelle', 'Dardanel', 'Del Monte'], nouns: ['Chopped Tomatoes', 'Sweet Corn', 'Chickpeas', 'Tuna', 'Baked Beans', 'Green Peas', 'Dolma'], variants: ['In Water', 'In Olive Oil', 'Organic', 'Low Salt', 'Classic'], sizes: ['160 g', '220 g', '400 g', '800 g'], container: ['can', 'jar'] },
  { name: 'Sauces & condiments', brands: ['Heinz', 'Calvé', 'Tat', 'Knorr', 'Hellmann’s', 'Kikkoman'], nouns: ['Ketchup', 'Mayonnaise', 'Mustard', 'Tomato Paste', 'Soy Sauce', 'Pesto', 'Biber Salçası'], variants: ['Hot', 'Light', 'Classic', 'Garlic', 'Sweet'], sizes: ['250 g', '400 g', '600 g', '830 g'], container: ['bottle', 'jar', 'tube'] },
  { name: 'Oils', brands: ['Komili', 'Kristal', 'Yudum', 'Filippo Berio', 'Zade'], nouns: ['Olive Oil', 'Extra Virgin Olive Oil', 'Sunflower Oil', 'Canola Oil', 'Corn Oil'], variants: ['Riviera', 'Early Harvest', 'Cold Pressed', 'Classic'], sizes: ['500 ml', '1 l', '2 l', '5 l'], container: ['bottle', 'tin', 'glass bottle'] },
  { name: 'Frozen food', brands: ['SuperFresh', 'Dr. Oetker', 'Findus', 'Banvit', 'McCain', 'Algida'], nouns: ['Pizza', 'French Fries', 'Mixed Vegetables', 'Chicken Nuggets', 'Ice Cream', 'Mantı'], variants: ['Margherita', 'Pepperoni', 'Vanilla', 'Classic', 'Crispy', 'Family Pack'], sizes: ['300 g', '450 g', '750 g', '1 kg', '2.5 l'], container: ['box', 'bag', 'tub'] },
  { name: 'Personal care', brands: ['Colgate', 'Signal', 'Dove', 'Nivea', 'Head & Shoulders', 'Elidor', 'Gillette'], nouns: ['Toothpaste', 'Shower Gel', 'Shampoo', 'Deodorant', 'Hand Cream', 'Bar Soap', 'Razor Blades'], variants: ['Sensitive', 'Fresh', 'Men', 'Whitening', 'Repair', 'Original'], sizes: ['75 ml', '150 ml', '250 ml', '400 ml', '500 ml'], container: ['tube', 'bottle', 'aerosol', 'box'] },
  { name: 'Household', brands: ['Ariel', 'Persil', 'Fairy', 'Pril', 'Domestos', 'Omo', 'Finish', 'Cif'], nouns: ['Laundry Detergent', 'Washing-Up Liquid', 'Dishwasher Tablets', 'Bleach', 'Surface Cleaner', 'Fabric Softener'], variants: ['Lemon', 'Original', 'Color', 'Sensitive', 'Mountain Spring'], sizes: ['750 ml', '1 l', '2.7 l', '40 pcs', '4 kg'], container: ['bottle', 'box', 'bag'] },
  { name: 'Baby food', brands: ['Hipp', 'Nestlé', 'Bebelac', 'Aptamil', 'Ella’s Kitchen'], nouns: ['Fruit Puree', 'Baby Cereal', 'Follow-On Milk', 'Vegetable Puree', 'Rice Pudding'], variants: ['Apple', 'Banana', 'Carrot', 'Mixed Fruit', 'Stage 2'], sizes: ['125 g', '190 g', '250 g', '800 g'], container: ['jar', 'pouch', 'tin', 'box'] },
  { name: 'Pet food', brands: ['Whiskas', 'Pedigree', 'Purina', 'Felix', 'Royal Canin'], nouns: ['Dry Cat Food', 'Wet Cat Food', 'Dry Dog Food', 'Dog Treats', 'Cat Litter'], variants: ['Chicken', 'Salmon', 'Beef', 'Tuna', 'Adult', 'Kitten'], sizes: ['85 g', '400 g', '1.5 kg', '3 kg', '10 kg'], container: ['bag', 'pouch', 'can', 'box'] },
];

const CLAIMS = ['organic', 'vegan', 'gluten free', 'halal', 'no added sugar', 'high protein', 'lactose free', 'fair trade', 'palm oil free', 'recyclable packaging'];
const STATUS_SHARE: [string, number][] = [
  ['pending', 0.2],
  ['processing', 0.05],
  ['needs_matching', 0.35],
  ['ready', 0.35],
  ['rejected', 0.05],
];
const PREFIXES = ['869', '400', '401', '540', '590', '729', '730', '731', '500', '501', '300', '800', '841', '871', '760', '541', '590'];

/** The GTIN check digit of the digits before it (mod 10, weights 3 and 1 from the right). */
function checkDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}

interface GeneratedProduct {
  barcodes: string[];
  brand: string;
  name: string;
  variant: string;
  category: string;
  container: string;
  size: string;
  status: string;
  claims: string[];
  nutrition: { name: string; amount: number; unit: string; per: string }[];
}

function generateCatalog(count: number): GeneratedProduct[] {
  const r = rng(20_250_101);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const used = new Set<string>();
  const code = (digits: 8 | 12 | 13): string => {
    for (;;) {
      const prefix = digits === 13 ? pick(PREFIXES) : digits === 8 ? String(10 + Math.floor(r() * 90)) : String(Math.floor(r() * 10));
      let body = prefix;
      while (body.length < digits - 1) body += String(Math.floor(r() * 10));
      const full = body + checkDigit(body);
      if (!used.has(full)) {
        used.add(full);
        return full;
      }
    }
  };
  const out: GeneratedProduct[] = [];
  for (let i = 0; i < count; i++) {
    const c = pick(CATEGORIES);
    let u = r();
    let status = 'pending';
    for (const [s, share] of STATUS_SHARE) {
      if (u < share) {
        status = s;
        break;
      }
      u -= share;
    }
    const barcodes = [code(13)];
    if (r() < 0.1) barcodes.push(code(r() < 0.5 ? 12 : 8));
    const claims = CLAIMS.filter(() => r() < 0.08);
    const nutrition =
      r() < 0.4
        ? [
            { name: 'energy', amount: Math.round(r() * 500), unit: 'kcal', per: '100 g' },
            { name: 'sugars', amount: Math.round(r() * 400) / 10, unit: 'g', per: '100 g' },
            { name: 'protein', amount: Math.round(r() * 250) / 10, unit: 'g', per: '100 g' },
          ]
        : [];
    out.push({ barcodes, brand: pick(c.brands), name: pick(c.nouns), variant: pick(c.variants), category: c.name, container: pick(c.container), size: pick(c.sizes), status, claims, nutrition });
  }
  return out;
}

function csvCell(v: string): string {
  return /[",\n;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

async function writeCatalogCsv(file: string, products: readonly GeneratedProduct[]): Promise<void> {
  const lines = ['barcodes,brand,product_name,variant,category,container_type,net_quantity,status,claims,nutrition'];
  for (const p of products) {
    lines.push(
      [p.barcodes.join(' '), p.brand, p.name, p.variant, p.category, p.container, p.size, p.status, p.claims.join('; '), p.nutrition.length ? JSON.stringify(p.nutrition) : '']
        .map(csvCell)
        .join(','),
    );
  }
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

/** A few small product-like pictures, stored once; the frames of every product point at them. */
async function storeFrameImages(engine: Engine): Promise<{ sha256: string; bytes: number; thumb: string }[]> {
  const out = [];
  for (let i = 0; i < 6; i++) {
    const hue = i * 60;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="100%" height="100%" fill="hsl(${hue},30%,92%)"/><rect x="110" y="40" width="100" height="240" rx="18" fill="hsl(${hue},65%,42%)"/><rect x="110" y="120" width="100" height="60" fill="hsl(${(hue + 180) % 360},70%,85%)"/></svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
    const thumb = await sharp(jpeg).resize(160).webp({ quality: 70 }).toBuffer();
    const stored = await engine.store.putBuffer(jpeg);
    const storedThumb = await engine.store.putBuffer(thumb);
    out.push({ sha256: stored.sha256, bytes: stored.bytes, thumb: storedThumb.sha256 });
  }
  return out;
}

// ------------------------------------------------------------ measuring

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { median: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] ?? 0), n: samples.length };
}

async function timeCalls(runs: number, inputFor: (i: number) => ProductListInput, call: (input: ProductListInput) => Promise<{ items: Product[]; total: number }>) {
  for (let i = 0; i < 3; i++) await call(inputFor(i)); // warm statement caches and pages
  const ms: number[] = [];
  let totals = 0;
  for (let i = 0; i < runs; i++) {
    const input = inputFor(i);
    const t = performance.now();
    const answer = await call(input);
    ms.push(performance.now() - t);
    totals += answer.total;
  }
  return { ...summary(ms), meanTotal: Math.round(totals / runs) };
}

class ByteCounter extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.bytes += chunk.length;
    done();
  }
}

// ------------------------------------------------------------ UI

interface UiFigures {
  ui_search_ms: number;
  ui_search_barcode_ms: ReturnType<typeof summary>;
  ui_search_word_ms: ReturnType<typeof summary>;
  /** From the last key typed (the debounce included) to the first matching row painted. */
  ui_search_after_last_key_ms: ReturnType<typeof summary>;
  scroll_p95_ms: number;
  scroll_p99_ms: number;
  scroll_frames: number;
  scroll_px: number;
  idle_p95_ms: number;
  dom_rows_min: number;
  dom_rows_max: number;
}

async function uiFigures(dataDir: string, barcodePrefixes: string[], words: string[]): Promise<UiFigures> {
  if (!existsSync(path.join(packageRoot, 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is not built: run `node scripts/build.mjs --renderer` first');
  let server: ServerProcess | null = null;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    server = await startServerProcess(dataDir);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    // tsx compiles this file with esbuild's keepNames, which wraps named functions in the
    // page scripts below in a `__name(...)` helper the page does not have.
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    const page = await context.newPage();
    await page.goto(server.loginUrl);
    // Generous: on a shared two-core machine the first load of the app can take a while.
    await page.getByTestId('shell').waitFor({ timeout: 180_000 });
    // The session lives on the host the sign-in landed on, not on server.url's.
    await page.goto(new URL('/#/products', page.url()).href);
    await page.locator('[data-testid="product-table"][data-total]').waitFor({ timeout: 180_000 });
    await page.locator('[data-testid="product-row"]').first().waitFor({ timeout: 180_000 });

    const search = async (text: string): Promise<{ fromFirst: number; fromLast: number }> => {
      const box = page.getByTestId('product-search');
      await box.fill('');
      await page.waitForFunction(() => document.querySelector('[data-testid="product-table"]')?.getAttribute('data-query') === '');
      // Typed as a person types (one key at a time); timed in the page from the first key to the first matching row painted.
      return page.evaluate(
        (q) =>
          new Promise<{ fromFirst: number; fromLast: number }>((resolve, reject) => {
            const input = document.querySelector<HTMLInputElement>('[data-testid="product-search"]')!;
            const timeout = setTimeout(() => reject(new Error(`no row for "${q}" within 20 s`)), 20_000);
            const start = performance.now();
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
            let typed = '';
            let lastKey = start;
            const typeNext = () => {
              if (typed.length === q.length) return;
              typed += q[typed.length];
              lastKey = performance.now();
              setter.call(input, typed);
              input.dispatchEvent(new Event('input', { bubbles: true }));
              setTimeout(typeNext, 60);
            };
            typeNext();
            const check = () => {
              const table = document.querySelector('[data-testid="product-table"]');
              const row = document.querySelector('[data-testid="product-row"]');
              if (table?.getAttribute('data-query') === q && table.getAttribute('data-loading') === 'false' && row) {
                // The frame after: the row has been painted.
                requestAnimationFrame(() => {
                  clearTimeout(timeout);
                  const now = performance.now();
                  resolve({ fromFirst: now - start, fromLast: now - lastKey });
                });
              } else requestAnimationFrame(check);
            };
            requestAnimationFrame(check);
          }),
        text,
      );
    };
    const barcodeMs: number[] = [];
    const wordMs: number[] = [];
    const afterLastKey: number[] = [];
    for (const p of barcodePrefixes) {
      const r = await search(p);
      barcodeMs.push(r.fromFirst);
      afterLastKey.push(r.fromLast);
    }
    for (const w of words) {
      const r = await search(w);
      wordMs.push(r.fromFirst);
      afterLastKey.push(r.fromLast);
    }
    await page.getByTestId('product-search').fill('');
    await page.waitForFunction(() => document.querySelector('[data-testid="product-table"]')?.getAttribute('data-query') === '');

    const idle = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const out: number[] = [];
          let last = 0;
          let start = 0;
          const tick = (t: number) => {
            if (last) out.push(t - last);
            else start = t;
            last = t;
            if (t - start < 3000) requestAnimationFrame(tick);
            else resolve(out);
          };
          requestAnimationFrame(tick);
        }),
    );
    const scroll = await page.evaluate(
      ({ speed, seconds }) =>
        new Promise<{ deltas: number[]; minRows: number; maxRows: number; px: number }>((resolve) => {
          const el = document.querySelector<HTMLElement>('[data-testid="product-table-scroll"]')!;
          el.scrollTop = 0;
          const out: number[] = [];
          let minRows = Infinity;
          let maxRows = 0;
          let last = 0;
          let start = 0;
          const tick = (t: number) => {
            if (last) {
              out.push(t - last);
              el.scrollTop += (speed * (t - last)) / 1000;
            } else start = t;
            last = t;
            const rows = el.querySelectorAll('[data-testid="product-row"], [data-testid="product-row-pending"]').length;
            minRows = Math.min(minRows, rows);
            maxRows = Math.max(maxRows, rows);
            if (t - start > seconds * 1000 || el.scrollTop + el.clientHeight >= el.scrollHeight - 1) resolve({ deltas: out, minRows, maxRows, px: el.scrollTop });
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }),
      { speed: 6000, seconds: 20 },
    );
    const s = summary(scroll.deltas);
    const i = summary(idle);
    await context.close();
    return {
      ui_search_ms: summary([...barcodeMs, ...wordMs]).p95,
      ui_search_barcode_ms: summary(barcodeMs),
      ui_search_word_ms: summary(wordMs),
      ui_search_after_last_key_ms: summary(afterLastKey),
      scroll_p95_ms: s.p95,
      scroll_p99_ms: s.p99,
      scroll_frames: s.n,
      scroll_px: Math.round(scroll.px),
      idle_p95_ms: i.p95,
      dom_rows_min: scroll.minRows,
      dom_rows_max: scroll.maxRows,
    };
  } finally {
    await server?.stop();
    await browser.close();
  }
}

// ------------------------------------------------------------ the run

/** products.list per query shape (50 runs each, a new value each run), the floor, stats and categories. */
async function queryFigures(call: ReturnType<typeof createDispatcher>, products: ProductCatalog, catalog: readonly GeneratedProduct[], ids: readonly string[]) {
  // Queries: each run a different value, drawn from the catalog.
  const pickR = rng(99);
  const barcodePrefixes = Array.from({ length: RUNS }, () => {
    const p = catalog[Math.floor(pickR() * catalog.length)]!;
    return p.barcodes[0]!.slice(0, 4 + Math.floor(pickR() * 5));
  });
  const words = ['cola', 'milk', 'chocolate', 'ülker', 'zero', 'rice', 'tuna', 'shampoo', 'juice', 'cheese', 'cat', 'oil', 'pınar', 'coffee', 'biscuits', 'nuggets', 'orange', 'tea', 'yogurt', 'detergent'];
  const statuses = ['pending', 'needs_matching', 'ready', 'rejected', 'processing'] as const;
  const categoryNames = CATEGORIES.map((c) => c.name);
  const deep = Math.max(0, PRODUCTS - 100);
  const cases: [string, (i: number) => ProductListInput][] = [
    ['first page (name)', () => ({ limit: 100 })],
    ['barcode prefix', (i) => ({ query: barcodePrefixes[i % barcodePrefixes.length], limit: 100 })],
    ['name word', (i) => ({ query: words[i % words.length], limit: 100 })],
    ['status filter', (i) => ({ status: [statuses[i % statuses.length]!], limit: 100 })],
    ['category filter', (i) => ({ category: [categoryNames[i % categoryNames.length]!], limit: 100 })],
    ['sort frames desc', () => ({ sort: 'frames', order: 'desc', limit: 100 })],
    [`deep page (offset ${deep.toLocaleString('en')})`, () => ({ offset: deep, limit: 100 })],
  ];
  const list = (input: ProductListInput) => call('products.list', input) as Promise<{ items: Product[]; total: number }>;
  const latency: Record<string, ReturnType<typeof summary> & { meanTotal: number }> = {};
  for (const [name, inputFor] of cases) {
    latency[name] = await timeCalls(RUNS, inputFor, list);
    log(`products.list ${name.padEnd(28)} median ${latency[name]!.median} ms, p95 ${latency[name]!.p95} ms (mean total ${latency[name]!.meanTotal.toLocaleString('en')})`);
  }
  // Floor: 100 known products by id through the same dispatcher path (get ×100 would measure 100 calls).
  const sampleIds = ids.slice(0, 100);
  const floorMs: number[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const s = performance.now();
    products.many(sampleIds);
    if (i >= 3) floorMs.push(performance.now() - s);
  }
  const floor = summary(floorMs);
  log(`floor: 100 products by primary key (catalog.many)      median ${floor.median} ms, p95 ${floor.p95} ms`);
  const others: Record<string, ReturnType<typeof summary>> = {};
  for (const [name, fn] of [
    ['products.stats', () => call('products.stats', {})],
    ['products.categories', () => call('products.categories', {})],
  ] as const) {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    others[name] = summary(ms);
    log(`${name.padEnd(37)} median ${others[name]!.median} ms, p95 ${others[name]!.p95} ms`);
  }

  return { latency, floor, others, barcodePrefixes, words, deepName: cases[6]![0] };
}

/** The engine's query figures alone, on a kept library (the same seeded catalog tells the barcodes to search). */
async function queriesOnly(dataDir: string) {
  log(`${machine()}; products.list figures only, on ${dataDir}; ${new Date().toISOString()}`);
  const engine = await openEngine({ dataDir, workers: 1 });
  const call = createDispatcher(engine);
  const { catalog: products } = engine.use(productsFeature);
  const q = await queryFigures(call, products, generateCatalog(PRODUCTS), products.resolve(undefined));
  await engine.close();
  const worst = Math.max(...Object.values(q.latency).map((l) => l.p95));
  console.log(
    JSON.stringify({
      bench: 'catalog',
      products: PRODUCTS,
      list_ms_p95: worst,
      search_ms_p95: Math.max(q.latency['barcode prefix']!.p95, q.latency['name word']!.p95),
      ...Object.fromEntries(Object.entries(q.latency).map(([k, v]) => [`${k.replace(/[^a-z0-9]+/gi, '_')}_p95`, v.p95])),
      floor_100_by_id_ms_p95: q.floor.p95,
      list_to_floor_p95_ratio: Math.round((worst / Math.max(q.floor.p95, 0.01)) * 10) / 10,
      stats_ms_p95: q.others['products.stats']!.p95,
      categories_ms_p95: q.others['products.categories']!.p95,
    }),
  );
}

/** The UI half alone, on a kept library (the engine half of that run printed its own lines). */
async function uiOnly(dataDir: string) {
  log(`${machine()}; UI figures only, on ${dataDir}; ${new Date().toISOString()}`);
  const engine = await openEngine({ dataDir, workers: 1 });
  const call = createDispatcher(engine);
  const { total } = (await call('products.list', { limit: 1 })) as { total: number };
  const sample = (await call('products.list', { sort: 'created', limit: 10, offset: Math.floor(total / 3) })) as { items: Product[] };
  await engine.close();
  const prefixes = sample.items.map((p, i) => (p.barcode ?? '').slice(0, 4 + (i % 5))).filter(Boolean);
  const words = ['cola', 'milk', 'chocolate', 'ülker', 'zero', 'rice', 'tuna', 'shampoo', 'juice', 'cheese'];
  const ui = await uiFigures(dataDir, prefixes, words);
  log(`UI: typing a search → first matching row: barcode prefix median ${ui.ui_search_barcode_ms.median} ms, p95 ${ui.ui_search_barcode_ms.p95} ms; name word median ${ui.ui_search_word_ms.median} ms, p95 ${ui.ui_search_word_ms.p95} ms (typing at 60 ms a key included); after the last key median ${ui.ui_search_after_last_key_ms.median} ms, p95 ${ui.ui_search_after_last_key_ms.p95} ms`);
  log(`UI: scroll of the ${total.toLocaleString('en')}-row table (${ui.scroll_px.toLocaleString('en')} px in ${ui.scroll_frames} frames): p95 ${ui.scroll_p95_ms} ms, p99 ${ui.scroll_p99_ms} ms (idle page p95 ${ui.idle_p95_ms} ms); rows in the DOM ${ui.dom_rows_min}–${ui.dom_rows_max}`);
  console.log(JSON.stringify({ bench: 'catalog', products: total, ui_search_ms: ui.ui_search_ms, ui_search_after_last_key_ms_p95: ui.ui_search_after_last_key_ms.p95, scroll_p95_ms: ui.scroll_p95_ms, scroll_p99_ms: ui.scroll_p99_ms, idle_p95_ms: ui.idle_p95_ms, dom_rows_max: ui.dom_rows_max }));
}

/** Export speed: every product, streamed to a counter (the ZIP carries the frames' files too). */
async function exportFigures(products: ProductCatalog, ids: readonly string[]) {
  const exportRate: Record<string, { seconds: number; perS: number; mb: number }> = {};
  for (const format of flags.formats.split(',').map((f) => f.trim()) as ('csv' | 'json' | 'zip')[]) {
    const counter = new ByteCounter();
    const s = performance.now();
    await pipeline(exportStream(products, ids, format).stream, counter);
    const seconds = (performance.now() - s) / 1000;
    exportRate[format] = { seconds, perS: Math.round(ids.length / seconds), mb: Math.round((counter.bytes / 2 ** 20) * 10) / 10 };
    log(`export ${format.toUpperCase().padEnd(4)} ${ids.length.toLocaleString('en')} products: ${seconds.toFixed(2)} s, ${exportRate[format]!.perS.toLocaleString('en')} products/s, ${exportRate[format]!.mb} MiB`);
  }
  return exportRate;
}

async function main() {
  log(`${machine()}; ${PRODUCTS.toLocaleString('en')} products, ${RUNS} runs per query; ${new Date().toISOString()}`);
  await fs.rm(work, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  const dataDir = path.join(work, 'data');
  const catalog = generateCatalog(PRODUCTS);
  const csv = path.join(work, 'catalog.csv');
  await writeCatalogCsv(csv, catalog);

  const engine = await openEngine({ dataDir, workers: 1 });
  const call = createDispatcher(engine);
  const { catalog: products } = engine.use(productsFeature);
  let t = performance.now();
  const report = (await call('products.import', { path: csv })) as ImportReport;
  const importS = (performance.now() - t) / 1000;
  if (report.created !== PRODUCTS || report.refused.length) throw new Error(`import: ${report.created} created, ${report.refused.length} refused (${JSON.stringify(report.refused.slice(0, 3))})`);
  log(`import of a ${PRODUCTS.toLocaleString('en')}-row CSV: ${importS.toFixed(1)} s (${Math.round(PRODUCTS / importS).toLocaleString('en')} rows/s)`);

  // Frames for one product in twenty (as a processed video leaves them).
  const pictures = await storeFrameImages(engine);
  const r = rng(7);
  const ids = products.resolve(undefined);
  let frames = 0;
  t = performance.now();
  engine.db.transaction(() => {
    for (const id of ids) {
      if (r() >= 0.05) continue;
      const n = 1 + Math.floor(r() * 40);
      const video = newId();
      products.addImages(
        id,
        Array.from({ length: n }, (_, i) => {
          const pic = pictures[(i + frames) % pictures.length]!;
          return { type: 'synthetic' as const, sha256: pic.sha256, format: 'jpeg', width: 320, height: 320, bytes: pic.bytes, thumbSha256: pic.thumb, source: { kind: 'video' as const, id: video }, frameIndex: i * 12 };
        }),
      );
      frames += n;
    }
  })();
  log(`${frames.toLocaleString('en')} frames added to ${Math.round(PRODUCTS * 0.05).toLocaleString('en')}-odd products in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  if (flags['export-only']) {
    const rates = await exportFigures(products, ids);
    await engine.close();
    if (!flags.keep) await fs.rm(work, { recursive: true, force: true });
    console.log(JSON.stringify({ bench: 'catalog', products: PRODUCTS, frames, ...Object.fromEntries(Object.entries(rates).flatMap(([f, r]) => [[`export_${f}_per_s`, r.perS], [`export_${f}_mb_per_s`, Math.round((r.mb / r.seconds) * 10) / 10]])) }));
    return;
  }
  const { latency, floor, barcodePrefixes, words, deepName } = await queryFigures(call, products, catalog, ids);

  const exportRate = await exportFigures(products, ids);
  // One file on disk too (what products.exportTo does), as a check the stream is whole.
  const onDisk = path.join(work, 'export.csv');
  await pipeline(exportStream(products, ids, 'csv').stream, createWriteStream(onDisk));
  const lines = (await fs.readFile(onDisk, 'utf8')).split('\n').filter(Boolean).length;
  if (lines !== ids.length + 1) throw new Error(`export.csv has ${lines} lines for ${ids.length} products`);
  await engine.close();

  let ui: UiFigures | null = null;
  if (!flags['no-ui']) {
    ui = await uiFigures(dataDir, barcodePrefixes.slice(0, 10), words.slice(0, 10));
    log(`UI: typing a search → first matching row: barcode prefix median ${ui.ui_search_barcode_ms.median} ms, p95 ${ui.ui_search_barcode_ms.p95} ms; name word median ${ui.ui_search_word_ms.median} ms, p95 ${ui.ui_search_word_ms.p95} ms (typing at 60 ms a key included); after the last key median ${ui.ui_search_after_last_key_ms.median} ms, p95 ${ui.ui_search_after_last_key_ms.p95} ms`);
    log(`UI: scroll of the ${PRODUCTS.toLocaleString('en')}-row table (${ui.scroll_px.toLocaleString('en')} px in ${ui.scroll_frames} frames): p95 ${ui.scroll_p95_ms} ms, p99 ${ui.scroll_p99_ms} ms (idle page p95 ${ui.idle_p95_ms} ms); rows in the DOM ${ui.dom_rows_min}–${ui.dom_rows_max}`);
  }

  const worstList = Math.max(...Object.values(latency).map((l) => l.p95));
  const result = {
    bench: 'catalog',
    products: PRODUCTS,
    list_ms_p95: worstList,
    first_page_ms_p95: latency['first page (name)']!.p95,
    search_ms_p95: Math.max(latency['barcode prefix']!.p95, latency['name word']!.p95),
    barcode_search_ms_p95: latency['barcode prefix']!.p95,
    word_search_ms_p95: latency['name word']!.p95,
    status_filter_ms_p95: latency['status filter']!.p95,
    category_filter_ms_p95: latency['category filter']!.p95,
    frames_sort_ms_p95: latency['sort frames desc']!.p95,
    deep_page_ms_p95: latency[deepName]!.p95,
    floor_100_by_id_ms_p95: floor.p95,
    list_to_floor_p95_ratio: Math.round((worstList / Math.max(floor.p95, 0.01)) * 10) / 10,
    import_rows_per_s: Math.round(PRODUCTS / importS),
    export_csv_per_s: exportRate.csv?.perS ?? null,
    export_json_per_s: exportRate.json?.perS ?? null,
    export_zip_per_s: exportRate.zip?.perS ?? null,
    ui_search_ms: ui?.ui_search_ms ?? null,
    ui_search_after_last_key_ms_p95: ui?.ui_search_after_last_key_ms.p95 ?? null,
    scroll_p95_ms: ui?.scroll_p95_ms ?? null,
    scroll_p99_ms: ui?.scroll_p99_ms ?? null,
    idle_p95_ms: ui?.idle_p95_ms ?? null,
    dom_rows_max: ui?.dom_rows_max ?? null,
  };
  if (!flags.keep) await fs.rm(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  console.log(JSON.stringify(result));
}

if (flags['ui-from']) await uiOnly(path.resolve(flags['ui-from']));
else if (flags['queries-from']) await queriesOnly(path.resolve(flags['queries-from']));
else await main();
