// Starts a TypeScript worker when running from sources (tests, `tsx` dev runs):
// Node 20 workers do not inherit tsx's loader, so register it here, then load the entry.
// Built code (dist/) points workers straight at the .js file and never comes here.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__tsEntry);
