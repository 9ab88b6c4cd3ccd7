/**
 * Entry of the engine host: Electron forks it with `utilityProcess.fork` (development
 * may fall back to `child_process.fork` under plain Node, see src-main/electron/engine-runtimes.ts).
 * Engine code only: this folder never imports electron.
 */
import { processPort } from './ports.js';
import { ContractError } from '../../src-shared/contract/index.js';

const port = processPort();
if (!port) {
  console.error('[engine-host] started without a parent port: run it through utilityProcess.fork or child_process.fork');
  process.exit(2);
}

try {
  // Loaded after the port exists, so a native module that fails to load (built for another
  // Node ABI) is reported to the parent instead of dying silently.
  const { serveEngine } = await import('./host.js');
  const served = await serveEngine(port, {
    dataDir: process.env.ATOLYE_DATA_DIR || undefined,
    workers: positiveInt(process.env.ATOLYE_WORKERS),
  });
  port.onParentGone(() => {
    console.error('[engine-host] the parent went away; closing the library');
    void served.shutdown();
  });
  // The CLI of this user talks to the app through it while the app holds the library.
  // Started after onParentGone is listened to (a parent may go while it starts).
  const cliEndpoint = import('../server/cli-endpoint.js')
    .then(({ startCliEndpoint }) => startCliEndpoint(served.engine))
    .catch((err: unknown) => {
      console.error(`[engine-host] no CLI endpoint (the CLI will say the library is open here): ${(err as Error).message}`);
      return null;
    });
  void served.done.then(async () => (await cliEndpoint)?.close());
  await served.done;
  await port.flush();
  // Idle worker threads are unref'd and the database is closed; exit now rather than
  // wait for stray handles.
  process.exit(0);
} catch (err) {
  const message = (err as Error)?.message ?? String(err);
  // A library that cannot be opened (damaged, read-only, locked, full) is the user's to fix: one line.
  // Anything else is a defect, and its stack helps.
  const expected = err instanceof ContractError;
  console.error(`[engine-host] could not start the engine: ${expected ? message : ((err as Error)?.stack ?? message)}`);
  port.postMessage({ type: 'fatal', error: { code: 'unavailable', message } });
  await port.flush();
  process.exit(1);
}

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
