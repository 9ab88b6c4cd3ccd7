/**
 * Stored embeddings: one unit-length float32 vector per (model, image bytes), and the
 * images a model could not embed with their reason. Statements are prepared once.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../engine/db/database.js';

export interface EmbeddingFailure {
  sha256: string;
  errorCode: string;
  message: string;
}

export class VectorStore {
  private readonly getStmt: Statement;
  private readonly hasStmt: Statement;
  private readonly putStmt: Statement;
  private readonly clearFailureStmt: Statement;
  private readonly failStmt: Statement;
  private readonly failureStmt: Statement;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT vector FROM embedding_vectors WHERE model_id = ? AND sha256 = ?').pluck();
    this.hasStmt = db.prepare('SELECT 1 FROM embedding_vectors WHERE model_id = ? AND sha256 = ?').pluck();
    this.putStmt = db.prepare('INSERT OR IGNORE INTO embedding_vectors (model_id, sha256, dim, vector, created_at) VALUES (?, ?, ?, ?, ?)');
    this.clearFailureStmt = db.prepare('DELETE FROM embedding_failures WHERE model_id = ? AND sha256 = ?');
    this.failStmt = db.prepare('INSERT OR REPLACE INTO embedding_failures (model_id, sha256, error_code, message, at) VALUES (?, ?, ?, ?, ?)');
    this.failureStmt = db.prepare('SELECT sha256, error_code AS errorCode, message FROM embedding_failures WHERE model_id = ? AND sha256 = ?');
  }

  has(modelId: string, sha256: string): boolean {
    return this.hasStmt.get(modelId, sha256) !== undefined;
  }

  get(modelId: string, sha256: string): Float32Array | null {
    const buf = this.getStmt.get(modelId, sha256) as Buffer | undefined;
    if (!buf) return null;
    // Copy: the Buffer may not be 4-byte aligned.
    const out = new Float32Array(buf.length / 4);
    new Uint8Array(out.buffer).set(buf);
    return out;
  }

  /** Vectors of an embedding's bytes; idempotent (the same bytes and model always give the same vector). */
  putMany(modelId: string, rows: readonly { sha256: string; vector: Float32Array }[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const r of rows) {
        this.putStmt.run(modelId, r.sha256, r.vector.length, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength), now);
        this.clearFailureStmt.run(modelId, r.sha256);
      }
    })();
  }

  fail(modelId: string, failure: EmbeddingFailure): void {
    this.failStmt.run(modelId, failure.sha256, failure.errorCode, failure.message, Date.now());
  }

  /** Drops every vector and failure of a model that is gone (a deleted trained model); returns the vectors dropped. */
  forgetModel(modelId: string): number {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM embedding_failures WHERE model_id = ?').run(modelId);
      return this.db.prepare('DELETE FROM embedding_vectors WHERE model_id = ?').run(modelId).changes;
    })();
  }

  failure(modelId: string, sha256: string): EmbeddingFailure | null {
    return (this.failureStmt.get(modelId, sha256) as EmbeddingFailure | undefined) ?? null;
  }
}
