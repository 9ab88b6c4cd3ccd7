/**
 * A child engine training on the library's only dataset. argv: dataDir embedderCacheDir configJson
 * Starts a run unless one exists (then the queue resumes it on its own at boot), waits
 * for it to finish, prints what this boot embedded and trained and the run as JSON, and exits 0.
 */
import type { TrainingRun } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { openEngine } from '../../../src-main/features/index.js';

const [dataDir, modelCacheDir, configJson] = process.argv.slice(2) as [string, string, string];
// The maps cache's disk reserve lowered: a test must not depend on the runner's free space.
const engine = await openEngine({ dataDir, workers: 1, settings: { embeddings: { modelCacheDir }, training: { tailMapsMinFreeBytes: 0 } } });
const call = createDispatcher(engine);
const existing = engine.db.prepare('SELECT id FROM training_runs LIMIT 1').pluck().get() as string | undefined;
const dataset = engine.use(datasetsFeature).store.list()[0]!;
const runId = existing ?? ((await call('training.start', { datasetId: dataset.id, config: JSON.parse(configJson) })) as TrainingRun).id;
process.stdout.write(`run ${runId}\n`);
// From the run's progress events: the epochs completed while this boot trained (a resumed
// run goes on after its checkpoint's), and the most images this boot had to embed (maps
// kept by an earlier boot are read back, not counted).
const trained = new Set<number>();
let embedded = 0;
engine.events.subscribe((e) => {
  const run = e.payload as Partial<TrainingRun>;
  if (e.type !== 'training.progress' || run.id !== runId) return;
  if (run.stage === 'training' && run.epochsCompleted) trained.add(run.epochsCompleted);
  if (run.stage === 'embedding' && run.embedding && run.embedding.total > embedded) {
    embedded = run.embedding.total;
    // As it happens: the parent may kill this boot before the end.
    process.stdout.write(`embedded ${embedded}\n`);
  }
});
for (;;) {
  const run = (await call('training.get', { id: runId })) as TrainingRun;
  if (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled') {
    process.stdout.write(`epochs ${JSON.stringify([...trained].sort((a, b) => a - b))}\n${JSON.stringify(run)}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
await engine.close();
process.exit(0);
