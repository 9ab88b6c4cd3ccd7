import { z } from 'zod';

/**
 * What an index is besides its file: metadata and the label → library id map, as plain
 * data for SQLite rows (one row of metadata per (scope, model), one row per entry).
 * Validated on load because it comes back from storage.
 */

/** The file's format: hnswlib-node 3 (hnswlib 0.8), inner-product space over unit vectors. */
export const HNSW_FILE_FORMAT = 'hnswlib-node@3/ip';

const count = z.number().int().nonnegative();

export const vectorIndexMetaSchema = z.object({
  format: z.literal(HNSW_FILE_FORMAT),
  /** What the index covers, e.g. a project id or "library". */
  scope: z.string().min(1),
  /** The embedder whose vectors these are; vectors of different models never mix. */
  modelId: z.string().min(1),
  dim: z.number().int().positive(),
  /** Live vectors (= entries). */
  count,
  /** Points stored in the file, deleted ones included; labels run 0 .. elements-1. */
  elements: count,
  /** Points the file has room for before it must grow. */
  capacity: count,
  M: z.number().int().min(2),
  efConstruction: z.number().int().positive(),
  /** Search-time candidate list length (hnswlib does not store it: it resets to 10 on load). */
  ef: z.number().int().positive(),
  seed: count,
  /** Search policy, kept so a loaded index answers exactly as the saved one did. */
  exactThreshold: count,
  compactDeletedShare: z.number().min(0).max(1),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const vectorIndexEntrySchema = z.object({ label: count, id: z.string().min(1) });

export const vectorIndexRowsSchema = z.object({
  meta: vectorIndexMetaSchema,
  entries: z.array(vectorIndexEntrySchema),
});

export type VectorIndexMeta = z.infer<typeof vectorIndexMetaSchema>;
export type VectorIndexEntry = z.infer<typeof vectorIndexEntrySchema>;
export type VectorIndexRows = z.infer<typeof vectorIndexRowsSchema>;

/** Parses rows read back from storage and checks the id map against the metadata. */
export function parseVectorIndexRows(input: unknown): VectorIndexRows {
  const rows = vectorIndexRowsSchema.parse(input);
  const { meta, entries } = rows;
  if (entries.length !== meta.count) throw new Error(`index rows: ${entries.length} entries, metadata says ${meta.count}`);
  if (meta.elements < meta.count || meta.capacity < meta.elements) {
    throw new Error(`index rows: count ${meta.count}, elements ${meta.elements}, capacity ${meta.capacity} are inconsistent`);
  }
  const labels = new Set<number>();
  const ids = new Set<string>();
  for (const e of entries) {
    if (e.label >= meta.elements) throw new Error(`index rows: label ${e.label} of ${e.id} is outside 0..${meta.elements - 1}`);
    if (labels.has(e.label)) throw new Error(`index rows: label ${e.label} appears twice`);
    if (ids.has(e.id)) throw new Error(`index rows: id ${e.id} appears twice`);
    labels.add(e.label);
    ids.add(e.id);
  }
  return rows;
}
