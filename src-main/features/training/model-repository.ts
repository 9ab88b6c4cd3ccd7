/**
 * Trained models in the library's database: one row per finished run, naming its head
 * ONNX file (a blob) and its validated manifest. Written once, in the training job's
 * completing transaction.
 */
import type { TrainedModel } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import { cachedStatement } from '../../engine/db/statements.js';
import { TrainedModelManifestSchema, type TrainedModelManifest } from './manifest.js';

interface ModelRow {
  id: string;
  run_id: string;
  name: string;
  version: number;
  backbone_id: string;
  dataset_id: string;
  dataset_name: string;
  dimension: number;
  classes: number;
  manifest: string;
  onnx_sha256: string;
  bytes: number;
  backbone_sha256: string | null;
  created_at: number;
}

export interface StoredModel {
  id: string;
  runId: string;
  name: string;
  version: number;
  backboneId: string;
  datasetId: string;
  datasetName: string;
  dimension: number;
  classes: number;
  manifest: TrainedModelManifest;
  onnxSha256: string;
  bytes: number;
  /** With backbone fine-tuning: the embedder graph with the trained layer (a blob); null for a head on the parent. */
  backboneSha256: string | null;
  createdAt: number;
}

/** The model id of a run's model: fixed by the run, so a commit that runs twice cannot make two. */
export function modelIdOfRun(runId: string): string {
  return `trained-${runId}`;
}

function fromRow(r: ModelRow): StoredModel {
  return {
    id: r.id,
    runId: r.run_id,
    name: r.name,
    version: r.version,
    backboneId: r.backbone_id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    dimension: r.dimension,
    classes: r.classes,
    manifest: TrainedModelManifestSchema.parse(JSON.parse(r.manifest)),
    onnxSha256: r.onnx_sha256,
    bytes: r.bytes,
    backboneSha256: r.backbone_sha256,
    createdAt: r.created_at,
  };
}

export class ModelRepository {
  constructor(private readonly db: Db) {}

  list(): StoredModel[] {
    return (cachedStatement(this.db, 'SELECT * FROM trained_models ORDER BY created_at DESC, id').all() as ModelRow[]).map(fromRow);
  }

  find(id: string): StoredModel | null {
    const r = cachedStatement(this.db, 'SELECT * FROM trained_models WHERE id = ?').get(id) as ModelRow | undefined;
    return r ? fromRow(r) : null;
  }

  has(id: string): boolean {
    return cachedStatement(this.db, 'SELECT 1 FROM trained_models WHERE id = ?', 'pluck').get(id) === 1;
  }

  /** 1 + the models already trained on this dataset and backbone. */
  nextVersion(datasetId: string, backboneId: string): number {
    return (cachedStatement(this.db, 'SELECT COALESCE(MAX(version), 0) + 1 FROM trained_models WHERE dataset_id = ? AND backbone_id = ?', 'pluck').get(datasetId, backboneId) as number) ?? 1;
  }

  /** Records a model unless its run's model is already recorded (then false). */
  insert(m: StoredModel): boolean {
    return (
      cachedStatement(
        this.db,
        `INSERT OR IGNORE INTO trained_models (id, run_id, name, version, backbone_id, dataset_id, dataset_name, dimension, classes, manifest, onnx_sha256, bytes, backbone_sha256, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(m.id, m.runId, m.name, m.version, m.backboneId, m.datasetId, m.datasetName, m.dimension, m.classes, JSON.stringify(m.manifest), m.onnxSha256, m.bytes, m.backboneSha256, m.createdAt).changes > 0
    );
  }

  rename(id: string, name: string): boolean {
    return cachedStatement(this.db, 'UPDATE trained_models SET name = ? WHERE id = ?').run(name, id).changes > 0;
  }

  delete(id: string): StoredModel | null {
    const m = this.find(id);
    if (m) cachedStatement(this.db, 'DELETE FROM trained_models WHERE id = ?').run(id);
    return m;
  }
}

/** The contract's view of a stored model. */
export function toTrainedModel(m: StoredModel, activeId: string, test: TrainedModel['test']): TrainedModel {
  const after = m.manifest.metrics.after?.recall ?? {};
  const before = m.manifest.metrics.before.recall;
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    backboneId: m.backboneId,
    fineTuned: m.backboneSha256 !== null,
    dimension: m.dimension,
    classes: m.classes,
    recall: { at1: after['1'] ?? 0, at5: after['5'] ?? 0, before1: before['1'] ?? 0, before5: before['5'] ?? 0 },
    test,
    active: m.id === activeId,
    datasetId: m.datasetId,
    datasetName: m.datasetName,
    runId: m.runId,
    seed: m.manifest.seed,
    bytes: m.bytes,
    createdAt: m.createdAt,
  };
}
