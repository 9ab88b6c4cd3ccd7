/**
 * Datasets: named groups of catalog products for training, each product in one split
 * (train / valid / test) assigned by a seeded rule that never moves a product already
 * assigned. Every edit names the version it was based on; a stale one is refused.
 */
import { z } from 'zod';
import { defineSlice, download, method } from './define.js';
import { ProductSelection } from './products.js';
import { Id, Timestamp } from './schemas.js';

export const Split = z.enum(['train', 'valid', 'test']);
export type Split = z.infer<typeof Split>;

/** Ratios of products per split; they must sum to 1 (within 1e-6). */
export const SplitRatios = z
  .object({ train: z.number().min(0).max(1), valid: z.number().min(0).max(1), test: z.number().min(0).max(1) })
  .strict()
  .refine((r) => Math.abs(r.train + r.valid + r.test - 1) <= 1e-6, { message: 'split ratios must sum to 1 (train + valid + test)' });
export type SplitRatios = z.infer<typeof SplitRatios>;

export const DEFAULT_SPLIT_RATIOS: SplitRatios = { train: 0.8, valid: 0.1, test: 0.1 };
export const DEFAULT_SPLIT_SEED = 42;

export const Dataset = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  productCount: z.number().int().nonnegative(),
  splitRatios: z.object({ train: z.number(), valid: z.number(), test: z.number() }),
  splitSeed: z.number().int(),
  version: z.number().int().positive(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Dataset = z.infer<typeof Dataset>;

export const DatasetProduct = z.object({
  productId: Id,
  barcode: z.string().nullable(),
  brandName: z.string(),
  productName: z.string(),
  primaryImageId: Id.nullable(),
  split: Split,
  /** Set by hand (kept when the dataset is re-split). */
  manualSplit: z.boolean(),
  /** Order of assignment (0 = first product added). */
  position: z.number().int().nonnegative(),
  counts: z.object({ synthetic: z.number().int().nonnegative(), real: z.number().int().nonnegative(), augmented: z.number().int().nonnegative() }),
});
export type DatasetProduct = z.infer<typeof DatasetProduct>;

const Name = z.string().trim().min(1, 'a dataset needs a name').max(120);
const Description = z.string().trim().max(2000);
const Versioned = z.object({ id: Id, version: z.number().int().positive() });
const Seed = z.number().int().min(0).max(2 ** 31 - 1);

export const DatasetExportFormat = z.enum(['zip', 'folder']);

export const DatasetImportReport = z.object({
  dataset: Dataset,
  productsCreated: z.number().int().nonnegative(),
  productsFound: z.number().int().nonnegative(),
  /** Images added to the products. */
  images: z.object({ synthetic: z.number().int().nonnegative(), real: z.number().int().nonnegative(), augmented: z.number().int().nonnegative() }),
  /** Frames and real photos the products held already (same bytes, same role): joined to the dataset, not added twice. */
  alreadyHeld: z.number().int().nonnegative(),
  refused: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type DatasetImportReport = z.infer<typeof DatasetImportReport>;

export const datasetsContract = defineSlice({
  methods: {
    'datasets.list': method(z.object({}).strict(), z.array(Dataset), 'Datasets, newest first'),
    'datasets.get': method(z.object({ id: Id }).strict(), Dataset, 'One dataset'),
    'datasets.create': method(
      z
        .object({
          name: Name,
          description: Description.default(''),
          /** Products to start with (ids, or the catalog's current filter); none: an empty dataset. */
          from: ProductSelection.optional(),
          splitRatios: SplitRatios.optional(),
          splitSeed: Seed.optional(),
        })
        .strict(),
      Dataset,
      'A new dataset, empty or from products (ids or a filter)',
    ),
    'datasets.update': method(Versioned.extend({ name: Name.optional(), description: Description.optional() }).strict(), Dataset, 'Rename or describe; refused with conflict when the dataset changed since `version`'),
    'datasets.delete': method(z.object({ id: Id }).strict(), z.object({ undoToken: Id }), 'Delete a dataset (a tombstone; datasets.restore undoes it)'),
    'datasets.restore': method(z.object({ undoToken: Id }).strict(), Dataset, 'Undo a delete'),
    'datasets.products': method(z.object({ id: Id }).strict(), z.array(DatasetProduct), "A dataset's products with their split and image counts, in order of assignment"),
    'datasets.addProducts': method(
      Versioned.extend({ selection: ProductSelection }).strict(),
      z.object({ dataset: Dataset, added: z.number().int().nonnegative() }),
      'Add products (new ones get a split; those already in stay where they are)',
    ),
    'datasets.removeProducts': method(Versioned.extend({ productIds: z.array(Id).min(1).max(100_000) }).strict(), z.object({ dataset: Dataset, removed: z.number().int().nonnegative() }), 'Remove products'),
    'datasets.setProductSplit': method(Versioned.extend({ productId: Id, split: Split }).strict(), Dataset, "Move one product to a split by hand"),
    'datasets.resplit': method(
      Versioned.extend({ splitRatios: SplitRatios, splitSeed: Seed }).strict(),
      Dataset,
      'New ratios or seed: every product not placed by hand is assigned again',
    ),
    'datasets.exportTo': method(
      z
        .object({
          id: Id,
          /** The ZIP file or the (empty or new) folder to write; with inNewFolder, a folder to write a new one into. */
          destPath: z.string().min(1),
          format: DatasetExportFormat,
          /** destPath is a chosen folder: the export goes into a new folder (or ZIP) inside it, named after the dataset. */
          inNewFolder: z.boolean().default(false),
        })
        .strict(),
      z.object({ path: z.string(), files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
      'Write the dataset in the external trainers’ layout ({split}/{barcode}/…) as a ZIP or a folder (desktop and CLI; web mode downloads dataset-export)',
      { local: ['destPath'] },
    ),
    'datasets.import': method(
      z
        .object({
          /** A folder in the export layout or a ZIP of one (desktop: dropped or chosen; CLI). */
          path: z.string().min(1).optional(),
          /** Or a ZIP uploaded first (web). */
          uploadId: Id.optional(),
          name: Name.optional(),
        })
        .strict()
        .refine((v) => (v.path ? 1 : 0) + (v.uploadId ? 1 : 0) === 1, 'give either path or uploadId'),
      DatasetImportReport,
      'Create a dataset (and any missing products) from a folder in the export layout, or a ZIP of one',
      { local: ['path'] },
    ),
  },
  events: {
    /** Datasets changed (ids when known; null: refetch the list). */
    'datasets.changed': z.object({ ids: z.array(Id).nullable() }),
  },
  downloads: {
    'dataset-export': download(z.object({ id: Id }).strict(), 'A dataset as a ZIP in the external trainers’ layout'),
  },
});
