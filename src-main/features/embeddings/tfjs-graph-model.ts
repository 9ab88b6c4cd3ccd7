/**
 * A TF.js graph model (model.json + weight shards) read into memory: the node list and
 * every weight as a dequantised Float32Array / Int32Array, exactly as TF.js's own loader
 * would produce them (so an importer built on this can match TF.js bit for bit on the
 * weights), from nsfwjs' minified module wrappers, which are parsed as literals and
 * never executed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseJsLiteral } from './js-literal.js';

const Dim = z.object({ size: z.union([z.string(), z.number()]).optional() }).loose();
const TensorShape = z.object({ dim: z.array(Dim).optional(), unknownRank: z.boolean().optional() }).loose();
const IntLike = z.union([z.string(), z.number()]);

export const TfjsAttr = z
  .object({
    i: IntLike.optional(),
    f: z.number().optional(),
    b: z.boolean().optional(),
    /** base64 of the bytes, as the converter writes strings. */
    s: z.string().optional(),
    type: z.string().optional(),
    shape: TensorShape.optional(),
    list: z
      .object({
        i: z.array(IntLike).optional(),
        f: z.array(z.number()).optional(),
        s: z.array(z.string()).optional(),
        type: z.array(z.string()).optional(),
      })
      .loose()
      .optional(),
    tensor: z.object({ dtype: z.string().optional(), tensorShape: TensorShape.optional() }).loose().optional(),
  })
  .loose();
export type TfjsAttr = z.infer<typeof TfjsAttr>;

export const TfjsNode = z
  .object({
    name: z.string(),
    op: z.string(),
    input: z.array(z.string()).optional(),
    attr: z.record(z.string(), TfjsAttr).optional(),
    device: z.string().optional(),
  })
  .loose();
export type TfjsNode = z.infer<typeof TfjsNode>;

const Quantization = z
  .object({ dtype: z.enum(['uint8', 'uint16', 'float16']), min: z.number().optional(), scale: z.number().optional() })
  .loose();

const WeightEntry = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.enum(['float32', 'int32', 'bool']),
    quantization: Quantization.optional(),
  })
  .loose();
type WeightEntry = z.infer<typeof WeightEntry>;

export const TfjsModelJson = z
  .object({
    format: z.literal('graph-model'),
    modelTopology: z.object({ node: z.array(TfjsNode) }).loose(),
    weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(WeightEntry) }).loose()).length(1, 'one weight group'),
    userDefinedMetadata: z.unknown().optional(),
  })
  .loose();
export type TfjsModelJson = z.infer<typeof TfjsModelJson>;

export interface TfjsWeight {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfjsGraphModel {
  nodes: TfjsNode[];
  weights: Map<string, TfjsWeight>;
}

// browserify's standalone wrapper: `{1:[function(a,b,c){b.exports=<literal>},{}]},{},[1])(1)});`
const WRAPPER_HEAD = /\{1:\[function\(([\w$]+),([\w$]+),([\w$]+)\)\{\2\.exports=/;
const WRAPPER_TAIL = '},{}]},{},[1])(1)});';

/** The literal a browserify-wrapped nsfwjs model module exports; throws when the file has any other shape. */
export function literalFromWrapper(source: string, where: string): unknown {
  const head = WRAPPER_HEAD.exec(source);
  if (!head) throw new Error(`${where}: not a browserify module wrapper (no "exports=" entry)`);
  const { value, end } = parseJsLiteral(source, head.index + head[0].length);
  if (source.slice(end).trim() !== WRAPPER_TAIL) throw new Error(`${where}: unexpected code after the exported literal`);
  return value;
}

/** Weight bytes → typed arrays, dequantising like TF.js's io.decodeWeights (v·scale + min, float16 widened). */
export function decodeWeights(buffer: Uint8Array, entries: WeightEntry[]): Map<string, TfjsWeight> {
  const out = new Map<string, TfjsWeight>();
  let offset = 0;
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    const q = e.quantization;
    const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : e.dtype === 'bool' ? 1 : 4;
    const size = count * bytesPer;
    if (offset + size > buffer.length) throw new Error(`weights end before ${e.name} (needs ${size} bytes at ${offset}, have ${buffer.length})`);
    const bytes = buffer.slice(offset, offset + size); // aligned copy
    offset += size;
    if (e.dtype === 'bool') throw new Error(`${e.name}: bool weights are not supported`);
    let data: Float32Array | Int32Array;
    if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
      if (q.min === undefined || q.scale === undefined) throw new Error(`${e.name}: quantised weights without min/scale`);
      const quantised = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer, 0, count);
      data = e.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = quantised[i]! * q.scale + q.min;
    } else if (q?.dtype === 'float16') {
      const halves = new Uint16Array(bytes.buffer, 0, count);
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = halfToFloat(halves[i]!);
    } else {
      data = e.dtype === 'int32' ? new Int32Array(bytes.buffer, 0, count) : new Float32Array(bytes.buffer, 0, count);
    }
    out.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  if (offset !== buffer.length) throw new Error(`weights hold ${buffer.length} bytes but the manifest describes ${offset}`);
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function parseModelJson(value: unknown, where: string): TfjsModelJson {
  const parsed = TfjsModelJson.safeParse(value);
  if (!parsed.success) throw new Error(`${where}: not a TF.js graph model (${parsed.error.issues[0]?.message ?? 'invalid'} at ${parsed.error.issues[0]?.path.join('.') ?? '?'})`);
  return parsed.data;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The model.json object and weight bytes of an nsfwjs folder (also what TF.js itself loads, in tests and benches). */
export async function readNsfwjsModelJson(dir: string): Promise<{ json: TfjsModelJson; weightData: Uint8Array }> {
  const modelFile = path.join(dir, 'model.min.js');
  const json = parseModelJson(literalFromWrapper(await fs.readFile(modelFile, 'utf8'), modelFile), modelFile);
  const shards: Uint8Array[] = [];
  for (const p of json.weightsManifest[0]!.paths) {
    // The manifest names group1-shard1of2 (no extension); the package ships it as a .min.js module.
    const file = path.join(dir, `${path.basename(p).replace(/\.(bin|js)$/, '')}.min.js`);
    const literal = literalFromWrapper(await fs.readFile(file, 'utf8'), file);
    if (typeof literal !== 'string') throw new Error(`${file}: the shard module does not export a base64 string`);
    shards.push(new Uint8Array(Buffer.from(literal, 'base64')));
  }
  return { json, weightData: concat(shards) };
}

/**
 * Reads an nsfwjs model folder (model.min.js + group1-shardNofM.min.js, each a module
 * exporting a literal: the model.json object, or the shard's bytes in base64).
 */
export async function readNsfwjsModel(dir: string): Promise<TfjsGraphModel> {
  const { json, weightData } = await readNsfwjsModelJson(dir);
  return { nodes: json.modelTopology.node, weights: decodeWeights(weightData, json.weightsManifest[0]!.weights) };
}
