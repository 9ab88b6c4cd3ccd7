/**
 * A child engine for the datasets kill tests. argv: dataDir method json
 * Opens the engine (its start sweeps what a kill left), makes one contract call unless the
 * method is `-`, prints `started` first and the call's answer as JSON last, and exits 0.
 */
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { openEngine } from '../../../src-main/features/index.js';

const [dataDir, method, json] = process.argv.slice(2) as [string, string, string];
const engine = await openEngine({ dataDir, workers: 1 });
process.stdout.write('started\n');
if (method !== '-') process.stdout.write(`${JSON.stringify(await createDispatcher(engine)(method as never, JSON.parse(json) as never))}\n`);
await engine.close();
process.exit(0);
