import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src-main/engine/db/migrate.js';
import { trainingMigrations } from '../../../src-main/features/training/migrations.js';
import { CONSTANT_SECONDS_PER_EMBEDDED_IMAGE, CONSTANT_SECONDS_PER_FINE_TUNED_ROW_EPOCH, CONSTANT_SECONDS_PER_ROW_EPOCH, estimateSeconds, readThroughput, recordThroughput, THROUGHPUT_KEYS } from '../../../src-main/features/training/estimate.js';

function database() {
  const db = new Database(':memory:');
  migrate(db, [{ scope: 'training', migrations: trainingMigrations }]);
  return db;
}

describe('training estimate', () => {
  it('uses the documented constants before any run, and says so', () => {
    const t = readThroughput(database());
    expect(t).toEqual({ secondsPerRowEpoch: CONSTANT_SECONDS_PER_ROW_EPOCH, secondsPerEmbeddedImage: CONSTANT_SECONDS_PER_EMBEDDED_IMAGE, basis: 'constant' });
    // The grocery bench's shape: 2,721 rows, 40 epochs, nothing to embed → its measured 188 s.
    expect(estimateSeconds({ trainRows: 2721, epochs: 40, imagesToEmbed: 0, throughput: t }).seconds).toBeCloseTo(188, 6);
  });

  it('switches to measured rates once both were recorded; refuses a zero or NaN rate', () => {
    const db = database();
    recordThroughput(db, THROUGHPUT_KEYS.rowEpoch, 0.002, 1);
    expect(readThroughput(db).basis).toBe('constant');
    recordThroughput(db, THROUGHPUT_KEYS.embeddedImage, 0.5, 2);
    recordThroughput(db, THROUGHPUT_KEYS.embeddedImage, 0, 3);
    recordThroughput(db, THROUGHPUT_KEYS.embeddedImage, Number.NaN, 4);
    const t = readThroughput(db);
    expect(t).toEqual({ secondsPerRowEpoch: 0.002, secondsPerEmbeddedImage: 0.5, basis: 'measured' });
    expect(estimateSeconds({ trainRows: 100, epochs: 10, imagesToEmbed: 4, throughput: t })).toEqual({ seconds: 100 * 0.002 * 10 + 2, secondsPerEpoch: 100 * 0.002, embeddingSeconds: 2 });
  });

  it('takes a backbone’s own embedding rate when it has one, else the last of any backbone', () => {
    const db = database();
    recordThroughput(db, THROUGHPUT_KEYS.rowEpoch, 0.002, 1);
    recordThroughput(db, THROUGHPUT_KEYS.embeddedImage, 0.1, 2);
    recordThroughput(db, THROUGHPUT_KEYS.embeddedImageBy('big'), 0.3, 3);
    expect(readThroughput(db, 'big').secondsPerEmbeddedImage).toBe(0.3);
    expect(readThroughput(db, 'small').secondsPerEmbeddedImage).toBe(0.1);
    expect(readThroughput(db).secondsPerEmbeddedImage).toBe(0.1);
  });

  it('keeps a rate of its own for runs that fine-tune the backbone', () => {
    const db = database();
    expect(readThroughput(db, undefined, { fineTune: true }).secondsPerRowEpoch).toBe(CONSTANT_SECONDS_PER_FINE_TUNED_ROW_EPOCH);
    expect(CONSTANT_SECONDS_PER_FINE_TUNED_ROW_EPOCH).toBeGreaterThan(10 * CONSTANT_SECONDS_PER_ROW_EPOCH);
    recordThroughput(db, THROUGHPUT_KEYS.rowEpoch, 0.002, 1);
    recordThroughput(db, THROUGHPUT_KEYS.rowEpochFineTuned, 0.03, 2);
    expect(readThroughput(db).secondsPerRowEpoch).toBe(0.002);
    expect(readThroughput(db, undefined, { fineTune: true }).secondsPerRowEpoch).toBe(0.03);
  });
});
