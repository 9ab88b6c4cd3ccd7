import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import hnswlib from 'hnswlib-node';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { exactTopK, exactTopKBatch, type ExactHit } from './vector-index-exact.js';
import { fsyncPath, sha256File, writeFileAtomic } from './vector-index-files.js';
import { forEachHnswPoint, readHnswHeader } from './vector-index-hnsw-file.js';
import { HNSW_FILE_FORMAT, parseVectorIndexRows, type VectorIndexRows } from './vector-index-rows.js';
import { acceptMatrix, acceptVector, type VectorInput } from './vector-index-vectors.js';

/**
 * A persistent nearest-neighbour index of L2-normalised embeddings for one
 * (scope, model): HNSW (hnswlib-node, inner product = cosine on unit vectors) plus the
 * map from HNSW's integer labels to library ids. Small indexes are searched exactly
 * instead, from an in-memory copy of the vectors, because below `exactThreshold` a scan
 * is as fast and never misses.
 *
 * Threading: every hnswlib-node call except readIndex/writeIndex is a synchronous native
 * call on the calling thread. Building or compacting a large index therefore belongs in
 * a worker thread (vector-index-worker.ts); the engine thread loads the saved file with
 * `loadVectorIndex` (read on libuv's pool) and answers searches (~1 ms each).
 */

export interface HnswParams {
  /** Graph degree: links per point per layer (2 × M on the bottom layer). */
  M: number;
  /** Candidate list length while inserting: build quality against build time. */
  efConstruction: number;
  /** Candidate list length while searching: recall against speed (never below k). */
  ef: number;
}

/**
 * Chosen with bench/index.ts on 100,000 clustered vectors of 2,080 dimensions (2-core
 * build machine, 2026-11-30): with efConstruction 100 the graph needs ef 128 to pass
 * recall@10 0.98 (0.986; ef 64 gave 0.956); efConstruction 200 costs 1.6× the build time
 * but gives 0.995 at ef 64 and 1.000 at ef 128, at 74× the exact scan's speed. ef 128 keeps
 * that margin for real embeddings (on the 2,440-dimensional grocery vectors, recall@10 is
 * 0.9997 from ef 64 up); ef can be changed without a rebuild, M and efConstruction cannot.
 */
export const DEFAULT_HNSW_PARAMS: Readonly<HnswParams> = { M: 16, efConstruction: 200, ef: 128 };

/**
 * Up to this many live vectors a search is an exact scan. Measured with
 * `node --import tsx bench/index.ts --crossover` at 2,080 dimensions on the 2-core build
 * machine: one query at a time, the scan (pure JS, ~0.25 GMAC/s there under load) keeps up
 * with HNSW (whose fixed cost is mostly hnswlib-node copying the query through N-API) up
 * to ≈ 170 vectors at ef 64 and ≈ 150 at ef 128 (noisy: the scan stays within 1.3–1.7× of
 * HNSW up to 1,000); batched queries up to ≈ 400–700. Below the threshold the answers are
 * also exact, so the round figure sits at the single-query crossover.
 */
export const DEFAULT_EXACT_THRESHOLD = 200;

/** Deleted points still cost memory and search time; past this share a compaction pays. */
export const DEFAULT_COMPACT_DELETED_SHARE = 0.25;

export interface VectorIndexOptions {
  scope: string;
  modelId: string;
  dim: number;
  hnsw?: Partial<HnswParams>;
  exactThreshold?: number;
  compactDeletedShare?: number;
  /** Room reserved up front; the index grows by half again when it fills. */
  initialCapacity?: number;
  /** hnswlib's level generator seed: the same inserts in the same order give the same graph. */
  seed?: number;
  /** Where compaction spills the index to read its vectors back (default: the OS temp folder). */
  scratchDir?: string;
}

export type IdFilter = ReadonlySet<string> | ((id: string) => boolean);

export interface SearchOptions {
  /** Only these ids (a set, or a predicate) may be returned. */
  filter?: IdFilter;
  /** HNSW candidate list length for this search (default: the index's ef). */
  ef?: number;
  /** 'auto' scans exactly below the exact threshold; 'exact' needs the in-memory copy. */
  mode?: 'auto' | 'exact' | 'hnsw';
}

export interface SearchHit {
  id: string;
  /** Cosine similarity, 1 for the same direction. */
  score: number;
}

export type Progress = (done: number, total: number) => void;

interface IndexState {
  hnsw: hnswlib.HierarchicalNSW;
  /** label → id; undefined where the point was deleted. */
  labelToId: (string | undefined)[];
  idToLabel: Map<string, number>;
  /** Vectors by label while the index is small enough to scan; null beyond. */
  mirror: Float32Array | null;
}

const MIN_CAPACITY = 64;

export class VectorIndex {
  readonly scope: string;
  readonly modelId: string;
  readonly dim: number;
  readonly exactThreshold: number;
  readonly compactDeletedShare: number;
  private params: HnswParams;
  private readonly seed: number;
  private readonly scratchDir: string;
  private state: IndexState;
  private createdAt: string;
  private updatedAt: string;
  /** Native writes or a compaction in flight: mutations would race them. */
  private busy = 0;

  private constructor(opts: VectorIndexOptions, state: IndexState, params: HnswParams, times?: { createdAt: string; updatedAt: string }) {
    this.scope = opts.scope;
    this.modelId = opts.modelId;
    this.dim = opts.dim;
    this.params = params;
    this.seed = opts.seed ?? 100;
    this.exactThreshold = opts.exactThreshold ?? DEFAULT_EXACT_THRESHOLD;
    this.compactDeletedShare = opts.compactDeletedShare ?? DEFAULT_COMPACT_DELETED_SHARE;
    this.scratchDir = opts.scratchDir ?? os.tmpdir();
    this.state = state;
    const now = new Date().toISOString();
    this.createdAt = times?.createdAt ?? now;
    this.updatedAt = times?.updatedAt ?? now;
  }

  static create(opts: VectorIndexOptions): VectorIndex {
    checkOptions(opts);
    const params = withParams(DEFAULT_HNSW_PARAMS, opts.hnsw);
    const capacity = Math.max(MIN_CAPACITY, opts.initialCapacity ?? 0);
    const state = emptyState(opts.dim, capacity, params, opts.seed ?? 100);
    return new VectorIndex(opts, state, params);
  }

  /**
   * Opens a saved index: `file` as written by `writeFile` or `saveVectorIndex`, `rows` as
   * returned by `toRows` at that moment. The file is read on libuv's thread pool, so the
   * calling thread stays responsive. Answers exactly as the index did when saved (the
   * search policy comes from the rows; `opts` overrides it).
   */
  static async load(file: string, rowsInput: unknown, opts: Pick<VectorIndexOptions, 'exactThreshold' | 'compactDeletedShare' | 'scratchDir'> = {}): Promise<VectorIndex> {
    const rows = parseVectorIndexRows(rowsInput);
    const { meta } = rows;
    const header = await readHnswHeader(file);
    if (header.dim !== meta.dim || header.elementCount !== meta.elements || header.M !== meta.M) {
      throw new Error(
        `${file} does not match its rows: file has dim ${header.dim}, ${header.elementCount} points, M ${header.M}; rows say dim ${meta.dim}, ${meta.elements} points, M ${meta.M}`,
      );
    }
    const hnsw = new hnswlib.HierarchicalNSW('ip', meta.dim);
    await hnsw.readIndex(file);
    hnsw.setEf(meta.ef);
    const labelToId: (string | undefined)[] = new Array<string | undefined>(meta.elements).fill(undefined);
    const idToLabel = new Map<string, number>();
    for (const e of rows.entries) {
      labelToId[e.label] = e.id;
      idToLabel.set(e.id, e.label);
    }
    const options = {
      scope: meta.scope,
      modelId: meta.modelId,
      dim: meta.dim,
      seed: meta.seed,
      exactThreshold: meta.exactThreshold,
      compactDeletedShare: meta.compactDeletedShare,
      ...opts,
    };
    const params = { M: meta.M, efConstruction: meta.efConstruction, ef: meta.ef };
    const index = new VectorIndex(options, { hnsw, labelToId, idToLabel, mirror: null }, params, meta);
    if (meta.elements <= index.mirrorLimit) {
      // Small: keep the vectors for exact search, and check the file's delete marks agree
      // with the id map on the way (for large indexes the counts were checked above).
      const mirror = new Float32Array(Math.max(meta.elements, 1) * meta.dim);
      await forEachHnswPoint(file, (label, deleted, vector) => {
        if (label >= meta.elements) throw new Error(`${file}: label ${label} beyond the ${meta.elements} the rows know`);
        if (deleted === (labelToId[label] !== undefined)) {
          throw new Error(`${file}: point ${label} is ${deleted ? 'deleted' : 'live'} in the file but ${deleted ? 'live' : 'absent'} in the rows`);
        }
        mirror.set(vector, label * meta.dim);
      });
      index.state.mirror = mirror;
    }
    return index;
  }

  /** Live vectors. */
  get size(): number {
    return this.state.idToLabel.size;
  }

  /** Points marked deleted and not yet compacted away. */
  get deletedCount(): number {
    return this.elements - this.size;
  }

  get capacity(): number {
    return this.state.hnsw.getMaxElements();
  }

  get hnswParams(): Readonly<HnswParams> {
    return { ...this.params };
  }

  /** Whether a search in 'auto' mode scans exactly. */
  get searchesExactly(): boolean {
    return this.state.mirror !== null && this.size <= this.exactThreshold;
  }

  has(id: string): boolean {
    return this.state.idToLabel.has(id);
  }

  ids(): IterableIterator<string> {
    return this.state.idToLabel.keys();
  }

  /** Sets the default search ef (stored with the index). */
  setEf(ef: number): void {
    this.params = withParams(this.params, { ef });
    this.state.hnsw.setEf(ef);
    this.touch();
  }

  /**
   * Adds one vector, or replaces the vector of an id already present. Refuses (with the
   * id in the error) a vector of the wrong dimension, not finite, or not unit length.
   */
  add(id: string, vector: VectorInput): void {
    this.assertIdle();
    checkId(id);
    const v = acceptVector(id, vector, this.dim);
    this.reserve(1);
    this.insert(id, v, 0);
    this.touch();
  }

  /**
   * Adds `ids.length` vectors given row-major in `matrix`. Every vector is checked before
   * the first is added, so a batch with a bad one changes nothing.
   */
  addMany(ids: readonly string[], matrix: Float32Array, onProgress?: Progress): void {
    this.assertIdle();
    ids.forEach(checkId);
    if (new Set(ids).size !== ids.length) throw new Error('addMany: the same id appears twice in one batch');
    const rows = acceptMatrix(ids, matrix, this.dim);
    this.reserve(ids.length);
    const every = progressStep(ids.length);
    for (let i = 0; i < ids.length; i++) {
      this.insert(ids[i]!, rows, i * this.dim);
      if (onProgress && ((i + 1) % every === 0 || i + 1 === ids.length)) onProgress(i + 1, ids.length);
    }
    if (ids.length) this.touch();
  }

  /** Marks the id's vector deleted; false when the id is not in the index. */
  remove(id: string): boolean {
    this.assertIdle();
    const label = this.state.idToLabel.get(id);
    if (label === undefined) return false;
    this.state.hnsw.markDelete(label);
    this.state.idToLabel.delete(id);
    this.state.labelToId[label] = undefined;
    this.touch();
    return true;
  }

  needsCompaction(): boolean {
    return this.deletedCount > 0 && this.deletedCount / this.elements > this.compactDeletedShare;
  }

  /** Rebuilds without the deleted points (labels are renumbered; ids are kept). */
  async compact(onProgress?: Progress): Promise<void> {
    await this.rebuild({}, onProgress);
  }

  /**
   * Rebuilds the graph from the live vectors, with new build parameters if given. The old
   * graph keeps answering searches until the new one is complete.
   */
  async rebuild(params: Partial<HnswParams> = {}, onProgress?: Progress): Promise<void> {
    this.assertIdle();
    this.busy++;
    try {
      const next = withParams(this.params, params);
      const live = await this.liveVectors();
      const state = emptyState(this.dim, Math.max(MIN_CAPACITY, Math.ceil(live.ids.length * 1.25)), next, this.seed);
      const previous = { state: this.state, params: this.params };
      this.state = state;
      this.params = next;
      try {
        this.reserve(live.ids.length);
        const every = progressStep(live.ids.length);
        for (let i = 0; i < live.ids.length; i++) {
          this.insert(live.ids[i]!, live.vectors, i * this.dim);
          if (onProgress && ((i + 1) % every === 0 || i + 1 === live.ids.length)) onProgress(i + 1, live.ids.length);
        }
      } catch (err) {
        ({ state: this.state, params: this.params } = previous);
        throw err;
      }
      this.touch();
    } finally {
      this.busy--;
    }
  }

  /** The k most similar live vectors, best first. */
  search(query: VectorInput, k: number, opts: SearchOptions = {}): SearchHit[] {
    const q = acceptVector('query', query, this.dim);
    const kk = Math.min(Math.floor(k), this.size);
    if (!(kk > 0)) return [];
    if (this.useExact(opts)) return this.toHits(exactTopK(this.state.mirror!, this.dim, this.elements, q, kk, this.allowRow(opts.filter)));
    return this.hnswSearch(q, kk, opts);
  }

  /** `search` for many queries: row-major in one Float32Array, or one vector each. */
  searchBatch(queries: Float32Array | readonly VectorInput[], k: number, opts: SearchOptions = {}): SearchHit[][] {
    const list = queries instanceof Float32Array ? splitRows(queries, this.dim) : queries;
    const kk = Math.min(Math.floor(k), this.size);
    if (!(kk > 0)) return list.map(() => []);
    if (this.useExact(opts)) {
      const flat = new Float32Array(list.length * this.dim);
      list.forEach((v, i) => flat.set(acceptVector(`query ${i}`, v, this.dim), i * this.dim));
      const rows = exactTopKBatch(this.state.mirror!, this.dim, this.elements, flat, kk, this.allowRow(opts.filter));
      return rows.map((hits) => this.toHits(hits));
    }
    return list.map((v, i) => this.hnswSearch(acceptVector(`query ${i}`, v, this.dim), kk, opts));
  }

  /** Metadata and id map as plain data, for SQLite rows (see vector-index-rows.ts). */
  toRows(): VectorIndexRows {
    const entries: VectorIndexRows['entries'] = [];
    this.state.labelToId.forEach((id, label) => {
      if (id !== undefined) entries.push({ label, id });
    });
    return {
      meta: {
        format: HNSW_FILE_FORMAT,
        scope: this.scope,
        modelId: this.modelId,
        dim: this.dim,
        count: this.size,
        elements: this.elements,
        capacity: this.capacity,
        ...this.params,
        seed: this.seed,
        exactThreshold: this.exactThreshold,
        compactDeletedShare: this.compactDeletedShare,
        createdAt: this.createdAt,
        updatedAt: this.updatedAt,
      },
      entries,
    };
  }

  /**
   * Writes the index file to `dest` atomically (temp file, fsync, rename). The write runs
   * on libuv's pool; mutations are refused until it is done. Pair it with `toRows()`.
   */
  async writeFile(dest: string): Promise<void> {
    await writeFileAtomic(dest, (tmp) => this.writeRaw(tmp));
  }

  /** Writes the hnswlib file to `file` as is (no rename): for callers that place it themselves. */
  async writeRaw(file: string): Promise<void> {
    this.assertIdle();
    this.busy++;
    try {
      await this.state.hnsw.writeIndex(file);
    } finally {
      this.busy--;
    }
  }

  private get elements(): number {
    return this.state.labelToId.length;
  }

  /** The in-memory copy is kept up to twice the exact threshold, so a few deletes do not drop it. */
  private get mirrorLimit(): number {
    return 2 * this.exactThreshold;
  }

  private useExact(opts: SearchOptions): boolean {
    const mode = opts.mode ?? 'auto';
    if (mode === 'hnsw') return false;
    if (mode === 'exact') {
      if (!this.state.mirror) throw new Error(`exact search keeps vectors in memory only up to ${this.mirrorLimit} points; this index has ${this.elements}`);
      return true;
    }
    return this.searchesExactly;
  }

  private hnswSearch(q: Float32Array, k: number, opts: SearchOptions): SearchHit[] {
    const { hnsw, labelToId } = this.state;
    const allow = toPredicate(opts.filter);
    const filter = allow
      ? (label: number) => {
          const id = labelToId[label];
          return id !== undefined && allow(id);
        }
      : undefined;
    const ef = withParams(this.params, { ef: opts.ef }).ef;
    if (ef !== this.params.ef) hnsw.setEf(ef);
    try {
      const { neighbors, distances } = hnsw.searchKnn(Array.from(q), k, filter);
      // inner-product space: distance = 1 − ⟨a, b⟩
      return neighbors.map((label, i) => ({ id: labelToId[label]!, score: 1 - distances[i]! }));
    } finally {
      if (ef !== this.params.ef) hnsw.setEf(this.params.ef);
    }
  }

  private allowRow(filter: IdFilter | undefined): (row: number) => boolean {
    const { labelToId } = this.state;
    const allow = toPredicate(filter);
    if (!allow) return (row) => labelToId[row] !== undefined;
    return (row) => {
      const id = labelToId[row];
      return id !== undefined && allow(id);
    };
  }

  private toHits(hits: ExactHit[]): SearchHit[] {
    // Rounded to float32 like HNSW's scores, so both paths report the same numbers.
    return hits.map((h) => ({ id: this.state.labelToId[h.row]!, score: Math.fround(h.score) }));
  }

  /** Makes room for `n` more points in the graph (and the mirror, while it is kept). */
  private reserve(n: number): void {
    const { hnsw } = this.state;
    const needed = this.elements + n;
    if (needed > hnsw.getMaxElements()) hnsw.resizeIndex(Math.max(needed, Math.ceil(hnsw.getMaxElements() * 1.5)));
    const mirror = this.state.mirror;
    if (!mirror) return;
    if (needed > this.mirrorLimit) {
      this.state.mirror = null;
      return;
    }
    if (needed * this.dim > mirror.length) {
      const grown = new Float32Array(Math.min(this.mirrorLimit, Math.max(needed, 2 * (mirror.length / this.dim))) * this.dim);
      grown.set(mirror);
      this.state.mirror = grown;
    }
  }

  /** Adds a checked vector (at `offset` in `source`) under a fresh label; `reserve` came first. */
  private insert(id: string, source: Float32Array, offset: number): void {
    const { hnsw, labelToId, idToLabel, mirror } = this.state;
    const vector = source.subarray(offset, offset + this.dim);
    const label = labelToId.length;
    hnsw.addPoint(Array.from(vector), label);
    const old = idToLabel.get(id);
    if (old !== undefined) {
      hnsw.markDelete(old);
      labelToId[old] = undefined;
    }
    labelToId.push(id);
    idToLabel.set(id, label);
    mirror?.set(vector, label * this.dim);
  }

  /** Live ids and their vectors in label order: from memory when kept, else via a spill file. */
  private async liveVectors(): Promise<{ ids: string[]; vectors: Float32Array }> {
    const { labelToId, mirror } = this.state;
    const ids: string[] = [];
    const vectors = new Float32Array(this.size * this.dim);
    const take = (label: number, vector: Float32Array) => {
      const id = labelToId[label];
      if (id === undefined) return;
      vectors.set(vector, ids.length * this.dim);
      ids.push(id);
    };
    if (mirror) {
      for (let label = 0; label < labelToId.length; label++) take(label, mirror.subarray(label * this.dim, (label + 1) * this.dim));
      return { ids, vectors };
    }
    await fs.mkdir(this.scratchDir, { recursive: true });
    // '.part' so that BlobStore.init sweeps it up if we crash (scratchDir is the store's tmp/ in the worker).
    const spill = path.join(this.scratchDir, `index-spill-${randomBytes(6).toString('hex')}.part`);
    try {
      await this.state.hnsw.writeIndex(spill);
      // Labels in the file follow internal ids, which follow insertion, i.e. label order.
      await forEachHnswPoint(spill, (label, deleted, vector) => {
        if (!deleted) take(label, vector);
      });
    } finally {
      await fs.rm(spill, { force: true });
    }
    if (ids.length !== this.size) throw new Error(`compaction found ${ids.length} live vectors in the index file, expected ${this.size}`);
    return { ids, vectors };
  }

  private assertIdle(): void {
    if (this.busy > 0) throw new Error(`index ${this.scope}/${this.modelId} is being written or rebuilt; try again when that finishes`);
  }

  private touch(): void {
    this.updatedAt = new Date().toISOString();
  }
}

/**
 * Saves the index into the content-addressed blob store: written to the store's temp
 * folder, hashed, fsynced and renamed into place by the store. Store the returned
 * sha256 and rows together (one transaction); load with `loadVectorIndex`.
 */
export async function saveVectorIndex(index: VectorIndex, store: BlobStore): Promise<{ sha256: string; bytes: number; rows: VectorIndexRows }> {
  const rows = index.toRows();
  const tmp = store.tempPath();
  try {
    await index.writeRaw(tmp);
    await fsyncPath(tmp);
    const { sha256, bytes } = await sha256File(tmp);
    await store.adoptTemp(tmp, sha256);
    return { sha256, bytes, rows };
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Opens an index saved by `saveVectorIndex` from its blob path and rows. */
export function loadVectorIndex(
  blobPath: string,
  rows: unknown,
  opts: Pick<VectorIndexOptions, 'exactThreshold' | 'compactDeletedShare' | 'scratchDir'> = {},
): Promise<VectorIndex> {
  return VectorIndex.load(blobPath, rows, opts);
}

function emptyState(dim: number, capacity: number, params: HnswParams, seed: number): IndexState {
  const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
  hnsw.initIndex({ maxElements: capacity, m: params.M, efConstruction: params.efConstruction, randomSeed: seed });
  hnsw.setEf(params.ef);
  return { hnsw, labelToId: [], idToLabel: new Map(), mirror: new Float32Array(0) };
}

/** `base` with the defined fields of `change`, checked. */
function withParams(base: Readonly<HnswParams>, change: Partial<HnswParams> = {}): HnswParams {
  const p = { ...base };
  for (const key of ['M', 'efConstruction', 'ef'] as const) if (change[key] !== undefined) p[key] = change[key];
  return checkParams(p);
}

function checkOptions(opts: VectorIndexOptions): void {
  if (!Number.isInteger(opts.dim) || opts.dim <= 0) throw new Error(`dimension must be a positive integer, got ${opts.dim}`);
  if (!opts.scope || !opts.modelId) throw new Error('an index needs a scope and a model id');
  if (opts.exactThreshold !== undefined && !(Number.isInteger(opts.exactThreshold) && opts.exactThreshold >= 0)) {
    throw new Error(`exactThreshold must be a non-negative integer, got ${opts.exactThreshold}`);
  }
  if (opts.compactDeletedShare !== undefined && !(opts.compactDeletedShare >= 0 && opts.compactDeletedShare <= 1)) {
    throw new Error(`compactDeletedShare must be between 0 and 1, got ${opts.compactDeletedShare}`);
  }
}

function checkParams(p: HnswParams): HnswParams {
  // hnswlib itself accepts far larger M; past 256 a graph of 2,000-dimensional vectors only wastes memory.
  if (!Number.isInteger(p.M) || p.M < 2 || p.M > 256) throw new Error(`M must be an integer in 2..256, got ${p.M}`);
  if (!Number.isInteger(p.efConstruction) || p.efConstruction < 1) throw new Error(`efConstruction must be a positive integer, got ${p.efConstruction}`);
  if (!Number.isInteger(p.ef) || p.ef < 1) throw new Error(`ef must be a positive integer, got ${p.ef}`);
  return { M: p.M, efConstruction: p.efConstruction, ef: p.ef };
}

function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0) throw new Error('every vector needs a non-empty id');
}

function toPredicate(filter: IdFilter | undefined): ((id: string) => boolean) | undefined {
  if (!filter) return undefined;
  if (typeof filter === 'function') return filter;
  return (id) => filter.has(id);
}

function splitRows(matrix: Float32Array, dim: number): Float32Array[] {
  if (matrix.length % dim !== 0) throw new Error(`queries hold ${matrix.length} floats, not a whole number of ${dim}-dimensional vectors`);
  const out: Float32Array[] = [];
  for (let o = 0; o < matrix.length; o += dim) out.push(matrix.subarray(o, o + dim));
  return out;
}

function progressStep(total: number): number {
  return Math.max(1, Math.min(1000, Math.ceil(total / 100)));
}
