/**
 * The products catalog: items a retail-AI team recognises, with barcodes (GTIN/EAN/UPC),
 * descriptive fields, a status workflow and images typed synthetic (video frames), real
 * (approved shelf photos) or augmented. Every update names the version it was based on.
 */
import { z } from 'zod';
import { defineSlice, download, method } from './define.js';
import { Id, Timestamp } from './schemas.js';

export const ProductStatus = z.enum(['pending', 'processing', 'needs_matching', 'ready', 'rejected']);
export type ProductStatus = z.infer<typeof ProductStatus>;

/**
 * The workflow's allowed moves. `ready` and `rejected` can be reopened; processing falls
 * back to pending when its video fails.
 */
export const productTransitions: Readonly<Record<ProductStatus, readonly ProductStatus[]>> = {
  pending: ['processing', 'needs_matching', 'rejected'],
  processing: ['needs_matching', 'pending', 'rejected'],
  needs_matching: ['ready', 'rejected', 'processing', 'pending'],
  ready: ['needs_matching'],
  rejected: ['pending', 'needs_matching'],
};

export const ProductImageType = z.enum(['synthetic', 'real', 'augmented']);
export type ProductImageType = z.infer<typeof ProductImageType>;

/** Digits only, 6–14 of them (UPC-E, EAN-8, UPC-A, EAN-13, GTIN-14; shorter in-store codes too). */
export const BarcodeCode = z
  .string()
  .trim()
  .regex(/^\d{6,14}$/, 'a barcode is 6 to 14 digits');

export const Barcode = z.object({
  code: z.string(),
  primary: z.boolean(),
  /** GTIN check digit verified (false: accepted with the user's override, or a length without one). */
  checkDigitValid: z.boolean(),
});
export type Barcode = z.infer<typeof Barcode>;

/** One nutrient line of a label, e.g. { name: 'protein', amount: 3.4, unit: 'g', per: '100 g' }. */
export const NutritionFact = z.object({
  name: z.string().trim().min(1).max(80),
  amount: z.number().finite().nonnegative(),
  unit: z.string().trim().max(16),
  per: z.string().trim().max(32).optional(),
});

const Text = (max: number) => z.string().trim().max(max);

/** The fields a person edits (everything but barcodes, status and images). */
export const ProductFields = z
  .object({
    brandName: Text(120),
    subBrand: Text(120).nullable(),
    productName: Text(200),
    variant: Text(120).nullable(),
    category: Text(120).nullable(),
    containerType: Text(60).nullable(),
    netQuantity: Text(40).nullable(),
    nutrition: z.array(NutritionFact).max(60),
    claims: z.array(Text(120).min(1)).max(40),
    /** A short text naming the product, kept for prompted segmentation. */
    groundingPrompt: Text(300).nullable(),
    /** 0–1: how visible the product is on a shelf (set by matching or by hand). */
    visibilityScore: z.number().min(0).max(1).nullable(),
  })
  .strict();
export type ProductFields = z.infer<typeof ProductFields>;

export const Product = ProductFields.extend({
  id: Id,
  barcodes: z.array(Barcode),
  /** The primary barcode's code, or null when the product has none yet. */
  barcode: z.string().nullable(),
  status: ProductStatus,
  /** The image shown for the product (the best video frame, or the first image). */
  primaryImageId: Id.nullable(),
  counts: z.object({ synthetic: z.number().int().nonnegative(), real: z.number().int().nonnegative(), augmented: z.number().int().nonnegative() }),
  version: z.number().int().positive(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Product = z.infer<typeof Product>;

export const ProductImage = z.object({
  id: Id,
  productId: Id,
  type: ProductImageType,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Where it came from: a video (frames), a library asset (a matched shelf photo), a dataset (augmentation). */
  source: z.object({ kind: z.enum(['video', 'asset', 'dataset', 'file']), id: z.string().nullable() }),
  /** A video frame's index in its video. */
  frameIndex: z.number().int().nonnegative().nullable(),
  /** The cut-out (transparent PNG) made from this image, when there is one: a media id. */
  cutoutId: Id.nullable(),
  /** Quality flag from processing (a frame whose mask jumped needs review). */
  review: z.enum(['ok', 'needs_review']),
  createdAt: Timestamp,
});
export type ProductImage = z.infer<typeof ProductImage>;

export const ProductSort = z.enum(['name', 'brand', 'created', 'frames', 'updated']);

export const ProductFilter = z
  .object({
    /** Barcode (prefix) or words of the brand and name. */
    query: z.string().trim().max(200).optional(),
    status: z.array(ProductStatus).max(5).optional(),
    category: z.array(z.string().max(120)).max(200).optional(),
  })
  .strict();
export type ProductFilter = z.infer<typeof ProductFilter>;

/** Which products a bulk action touches: these ids, or everything the filter shows but those excepted (tri-state "select all"). */
export const ProductSelection = z.union([
  z.object({ ids: z.array(Id).min(1).max(100_000) }).strict(),
  z.object({ filter: ProductFilter, except: z.array(Id).max(100_000).default([]) }).strict(),
]);
export type ProductSelection = z.input<typeof ProductSelection>;

export const ProductListInput = ProductFilter.extend({
  sort: ProductSort.default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(500).default(100),
}).strict();
export type ProductListInput = z.input<typeof ProductListInput>;

export const ProductCreate = ProductFields.partial()
  .extend({
    barcodes: z.array(BarcodeCode).max(20).default([]),
    /** Accept barcodes whose GTIN check digit is wrong (the UI asks first). */
    allowInvalidCheckDigit: z.boolean().default(false),
    status: ProductStatus.default('pending'),
  })
  .strict();

const Versioned = z.object({ id: Id, version: z.number().int().positive() });

export const ImportFormat = z.enum(['csv', 'json']);

/** Source column (CSV header or JSON key) → product field; missing fields are guessed from common names. */
export const ImportMapping = z.record(z.string(), z.string()).optional();

export const ImportReport = z.object({
  rows: z.number().int().nonnegative(),
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  refused: z.array(z.object({ row: z.number().int().positive(), barcode: z.string().nullable(), reason: z.string() })),
  /** How the file's columns were read. */
  mapping: z.record(z.string(), z.string()),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ExportFormat = z.enum(['zip', 'csv', 'json']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** CSV's fixed leading columns (Excel users rely on the order); every other field follows. */
export const PRODUCT_CSV_COLUMNS = ['id', 'barcode', 'brand_name', 'product_name', 'category', 'status', 'frame_count', 'created_at'] as const;

const Deleted = z.object({ deleted: z.number().int().nonnegative(), undoToken: Id.nullable() });

export const productsContract = defineSlice({
  methods: {
    'products.list': method(ProductListInput, z.object({ items: z.array(Product), total: z.number().int().nonnegative() }), 'A page of the catalog: search, filters, sort'),
    'products.categories': method(z.object({}).strict(), z.array(z.object({ category: z.string(), count: z.number().int().positive() })), 'Categories in use, with their product counts'),
    'products.stats': method(z.object({}).strict(), z.object({ total: z.number().int().nonnegative(), byStatus: z.record(ProductStatus, z.number().int().nonnegative()) }), 'Products by status'),
    'products.get': method(z.object({ id: Id }).strict(), Product, 'One product'),
    'products.byBarcode': method(z.object({ code: BarcodeCode }).strict(), Product.nullable(), 'The product owning a barcode, or null'),
    'products.create': method(ProductCreate, Product, 'A new product (status pending unless given); its barcodes must be free'),
    'products.update': method(Versioned.extend({ fields: ProductFields.partial() }).strict(), Product, 'Change fields; refused with conflict when the product changed since `version`'),
    'products.setStatus': method(
      z.object({ selection: ProductSelection, status: ProductStatus }).strict(),
      z.object({ changed: z.number().int().nonnegative(), refused: z.array(z.object({ id: Id, from: ProductStatus })) }),
      'Move products along the workflow in one transaction (moves the workflow does not allow are listed, not made)',
    ),
    'products.addBarcode': method(
      Versioned.extend({ code: BarcodeCode, primary: z.boolean().default(false), allowInvalidCheckDigit: z.boolean().default(false) }).strict(),
      Product,
      'Add a barcode; one another product owns is refused naming that product',
    ),
    'products.removeBarcode': method(Versioned.extend({ code: BarcodeCode }).strict(), Product, 'Remove a barcode (the next one becomes primary)'),
    'products.setPrimaryBarcode': method(Versioned.extend({ code: BarcodeCode }).strict(), Product, 'Make one of its barcodes the primary'),
    'products.delete': method(z.object({ selection: ProductSelection }).strict(), Deleted, 'Delete products (tombstones; undo with products.restore while the token lasts)'),
    'products.restore': method(z.object({ undoToken: Id }).strict(), z.object({ restored: z.number().int().nonnegative(), refused: z.array(z.object({ id: Id, reason: z.string() })) }), 'Undo a delete'),
    'products.images': method(
      z.object({ productId: Id, type: ProductImageType.optional(), offset: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
      z.object({ items: z.array(ProductImage), total: z.number().int().nonnegative() }),
      "A product's images, by type",
    ),
    'products.setPrimaryImage': method(Versioned.extend({ imageId: Id }).strict(), Product, "Show this image for the product"),
    'products.import': method(
      z
        .object({
          /** A local .csv or .json (desktop, CLI). */
          path: z.string().min(1).optional(),
          /** Or a file uploaded first (web). */
          uploadId: Id.optional(),
          format: ImportFormat.optional(),
          mapping: ImportMapping,
          /** Only read and report, change nothing. */
          dryRun: z.boolean().default(false),
        })
        .strict()
        .refine((v) => (v.path ? 1 : 0) + (v.uploadId ? 1 : 0) === 1, 'give either path or uploadId'),
      ImportReport,
      'Create or update products from a CSV or JSON catalog (a known barcode updates its product)',
      { local: ['path'] },
    ),
    'products.exportTo': method(
      z.object({ destPath: z.string().min(1), format: ExportFormat, selection: ProductSelection.optional() }).strict(),
      z.object({ path: z.string(), bytes: z.number().int().nonnegative(), products: z.number().int().nonnegative() }),
      'Write selected (or all) products to a file: ZIP with images, CSV or JSON (the web mode downloads products-export instead)',
      { local: ['destPath'], transports: ['local', 'ipc'] },
    ),
  },
  events: {
    /** Products changed (ids when known; null: many, refetch lists). */
    'products.changed': z.object({ ids: z.array(Id).nullable() }),
  },
  downloads: {
    'products-export': download(z.object({ format: ExportFormat, selection: ProductSelection.optional() }).strict(), 'Selected (or all) products as ZIP, CSV or JSON'),
  },
});
