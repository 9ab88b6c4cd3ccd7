/**
 * What the vision model is asked, and how its answer becomes product fields. The answer is
 * read leniently (a field that does not fit its schema is left out, the rest is kept) and
 * only ever fills fields the catalog has empty: a person's edits always win.
 */
import { z } from 'zod';
import { clipText, NutritionFact, ProductFields, type Product } from '../../../../src-shared/contract/index.js';

/** The fields the model may fill (not barcodes, status, grounding prompt or visibility). */
export const FILLABLE = ['brandName', 'subBrand', 'productName', 'variant', 'category', 'containerType', 'netQuantity', 'claims', 'nutrition'] as const;
export type FillableField = (typeof FILLABLE)[number];
export type FilledFields = Partial<Pick<ProductFields, FillableField>>;

export interface MetadataAnswer {
  fields: FilledFields;
  /** The model's raw text (kept in the cache). */
  text: string;
  framesHash: string;
  promptHash: string;
  cached: boolean;
}

export const METADATA_PROMPT = `These photos are frames of a video of one retail product (a packaged good or produce).
Read what is printed on it and answer with one JSON object, no prose, with these keys:
  "brandName": the brand, as printed (string),
  "subBrand": a sub-brand or product line, or null,
  "productName": the product's name without the brand (string),
  "variant": flavour, scent or variety, or null,
  "category": a short shopping category such as "Juice", "Yoghurt", "Apples", or null,
  "containerType": bottle, can, carton, jar, bag, box, tray, loose…, or null,
  "netQuantity": the net quantity as printed, e.g. "1 L" or "500 g", or null,
  "claims": label claims such as "organic", "no added sugar" (array of strings, [] if none),
  "nutrition": nutrition facts you can read, as [{"name","amount","unit","per"}] ([] if none).
Use null (or []) for anything you cannot read on the frames; never guess a brand.`;

/** The model's text as JSON: bare, or inside a Markdown code fence. */
function parseJsonText(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  return JSON.parse((fenced ? fenced[1]! : text).trim());
}

const fieldSchemas = ProductFields.shape;

/** The usable fields of an answer; throws when the text is not a JSON object at all. */
export function fieldsFromAnswer(text: string): FilledFields {
  const raw = parseJsonText(text);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the model did not answer with a JSON object');
  const obj = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of FILLABLE) {
    let value = obj[field];
    if (value === undefined || value === null || value === '') continue;
    if (field === 'claims' && Array.isArray(value)) value = value.filter((c) => typeof c === 'string' && c.trim()).map((c: string) => clipText(c.trim(), 120));
    if (field === 'nutrition' && Array.isArray(value)) value = value.filter((n) => NutritionFact.safeParse(n).success);
    if (typeof value === 'string') value = value.trim();
    const parsed = (fieldSchemas[field] as z.ZodType).safeParse(value);
    if (parsed.success && !isEmpty(parsed.data)) out[field] = parsed.data;
  }
  return out as FilledFields;
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The part of `fields` that lands on empty fields of `product`. */
export function emptyFieldPatch(product: Product, fields: FilledFields): FilledFields {
  const patch: Record<string, unknown> = {};
  for (const field of FILLABLE) {
    if (fields[field] !== undefined && isEmpty(product[field])) patch[field] = fields[field];
  }
  return patch as FilledFields;
}

export function hasEmptyFillable(product: Product): boolean {
  return FILLABLE.some((f) => isEmpty(product[f]));
}
