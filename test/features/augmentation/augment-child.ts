/**
 * A child engine running augmentation. argv: dataDir syntheticTarget realTarget
 * Starts a run on the library's only dataset unless one exists (then the queue resumes
 * it on its own), waits for it, prints the run as JSON and exits 0.
 */
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { openEngine } from '../../../src-main/features/index.js';

const [dataDir, syn, real] = process.argv.slice(2) as [string, string, string];
const engine = await openEngine({ dataDir, workers: 1 });
const augmentation = engine.use(augmentationFeature);
const existing = engine.db.prepare('SELECT id FROM augmentation_runs LIMIT 1').pluck().get() as string | undefined;
const dataset = engine.use(datasetsFeature).store.list()[0]!;
const runId = existing ?? (await augmentation.start(dataset.id, { syntheticTarget: Number(syn), realTarget: Number(real) })).id;
process.stdout.write(`run ${runId}\n`);
const done = await augmentation.wait(runId);
process.stdout.write(`${JSON.stringify(done)}\n`);
await engine.close();
process.exit(0);
