import path from 'node:path';
import readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { BarcodeCode, Id, VideoState, type MetadataStatus, type Video } from '../../../src-shared/contract/index.js';
import { runsIn, waitForBatch, type CliBackend, type CliCommand, type CliContext } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import type { VideosApi } from './api.js';

const usage = `atolye videos add <files|folders…> [--barcode CODE] [--process] [--json]
atolye videos list [--state STATE] [--json]
atolye videos process <video-id…> | --pending
atolye videos barcode <video-id> <CODE>
atolye videos watch [--folder DIR] [--on | --off] [--no-process]
atolye videos keys [add --label NAME | remove <key-id>]
atolye videos metadata <product-id…>

Product videos become clean, segmented frames of their product (its synthetic images).

  add       copy video files into the library, each linked to its product by barcode:
            --barcode, else the file name when it is a valid GTIN (8690504012345.mp4),
            else asked for (on a terminal); a new barcode makes a new pending product.
            With --process, queue processing and wait for it, printing progress
  list      videos, newest first (--state pending|queued|processing|completed|failed)
  process   queue processing (again: the new frames replace the old) and wait for it
  barcode   link a video that has no product yet
  watch     show or change the watched folder (off by default): new videos in it are
            added once each, after they stop growing, and processed unless --no-process
  keys      API keys for metadata from frames (Gemini-compatible); add reads the key
            from standard input, never from the command line
  metadata  fill products' empty fields from their best frames (needs a key)

Exit status: 0 done, 1 something failed or was refused, 2 usage.`;

const options = {
  barcode: { type: 'string' },
  process: { type: 'boolean' },
  json: { type: 'boolean' },
  state: { type: 'string' },
  pending: { type: 'boolean' },
  folder: { type: 'string' },
  on: { type: 'boolean' },
  off: { type: 'boolean' },
  'no-process': { type: 'boolean' },
  label: { type: 'string' },
} as const;

/** `atolye videos …`. Every subcommand goes through the contract (ctx.backend), so it also works beside the running app. */
// The feature's index passes the feature; the contract is used instead.
export const videosCommand = (_self?: EngineFeature<VideosApi>): CliCommand => ({
  name: 'videos',
  summary: 'Product videos → segmented frames: add (by barcode), process, watched folder, metadata keys',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'add':
        return add(ctx, rest, values);
      case 'list': {
        const state = values.state === undefined ? undefined : VideoState.safeParse(values.state);
        if (state && !state.success) return usageError(ctx, `--state must be one of ${VideoState.options.join(', ')}`);
        const backend = await ctx.backend({ runJobs: false });
        const { items } = await backend.call('videos.list', { ...(state?.data ? { state: [state.data] } : {}), limit: 1000 });
        if (values.json) ctx.out(JSON.stringify(items, null, 2));
        else {
          for (const v of items) ctx.out(describe(v));
          ctx.out(`${items.length} video${items.length === 1 ? '' : 's'}`);
        }
        return 0;
      }
      case 'process': {
        if (!values.pending && rest.length === 0) return usageError(ctx, 'give video ids, or --pending');
        if (rest.some((id) => !Id.safeParse(id).success)) return usageError(ctx, `"${rest.find((id) => !Id.safeParse(id).success)}" is not a video id`);
        const backend = await ctx.backend();
        const ids = values.pending ? (await backend.call('videos.list', { state: ['pending', 'failed'], limit: 1000 })).items.filter((v) => v.productId).map((v) => v.id) : rest;
        if (ids.length === 0) return (ctx.out('Nothing to process.'), 0);
        const queued = await backend.call('videos.process', { ids });
        for (const r of queued.refused) ctx.err(`  ${r.id}: ${r.reason}`);
        if (!queued.batchId) return 1;
        const refused = new Set(queued.refused.map((r) => r.id));
        return (await waitAndReport(backend, ctx, queued.batchId, ids.filter((id) => !refused.has(id)))) && queued.refused.length === 0 ? 0 : 1;
      }
      case 'barcode': {
        const [id, code] = rest;
        if (!id || !code || !Id.safeParse(id).success || !BarcodeCode.safeParse(code).success) return usageError(ctx, 'give a video id and a barcode (6–14 digits)');
        const v = await (await ctx.backend({ runJobs: false })).call('videos.setBarcode', { id, barcode: code });
        ctx.out(describe(v));
        return 0;
      }
      case 'watch': {
        if (values.on && values.off) return usageError(ctx, 'give --on or --off, not both');
        const backend = await ctx.backend({ runJobs: false });
        const patch = {
          ...(values.folder !== undefined ? { folder: path.resolve(values.folder) } : {}),
          ...(values.on ? { enabled: true } : values.off ? { enabled: false } : {}),
          ...(values['no-process'] ? { process: false } : values.on ? { process: true } : {}),
        };
        const s = Object.keys(patch).length ? await backend.call('videos.setWatchSettings', patch) : await backend.call('videos.watchSettings', {});
        ctx.out(`watched folder: ${s.folder ?? '(none)'}; ${s.enabled ? 'on' : 'off'}; ${s.process ? 'processes' : 'only adds'} new videos after ${s.stableMs / 1000} s without change`);
        if (s.enabled) ctx.out(backend.remote ? `(watched now by the Atölye process ${backend.remote.pid} that holds the library)` : '(the folder is watched while the app or `atolye serve` runs)');
        return 0;
      }
      case 'keys':
        return keys(ctx, rest, values.label);
      case 'metadata': {
        if (rest.length === 0) return usageError(ctx, 'give product ids');
        if (rest.some((id) => !Id.safeParse(id).success)) return usageError(ctx, `"${rest.find((id) => !Id.safeParse(id).success)}" is not a product id`);
        const backend = await ctx.backend();
        const r = await backend.call('videos.fillMetadata', { productIds: rest });
        for (const x of r.refused) ctx.err(`  ${x.id}: ${x.reason}`);
        ctx.out(`${r.queued} product${r.queued === 1 ? '' : 's'} queued${runsIn(backend)}`);
        // In this process the queue runs only while the command does: wait for it. Beside the app, the app runs them.
        if (r.queued && !backend.remote) await Promise.race([(await ctx.engine()).queue.drain(), ctx.stopped]);
        return r.refused.length ? 1 : 0;
      }
      default:
        ctx.err(sub ? `atolye videos: unknown subcommand "${sub}"\n\n${usage}` : usage);
        return 2;
    }
  },
});

type Values = { barcode?: string; process?: boolean; json?: boolean };

async function add(ctx: CliContext, files: string[], values: Values): Promise<number> {
  if (files.length === 0) return usageError(ctx, 'give at least one video file or folder');
  if (values.barcode !== undefined && !BarcodeCode.safeParse(values.barcode).success) return usageError(ctx, '--barcode must be 6 to 14 digits');
  const backend = await ctx.backend();
  // Resolved here: a relative path is this shell's, not the engine's (beside the app, the CLI's credential grants it).
  const result = await backend.call('videos.add', { files: files.map((f) => ({ path: path.resolve(f) })), ...(values.barcode !== undefined ? { barcode: values.barcode } : {}), process: false });
  for (const r of result.refused) ctx.err(`  ${r.name}: ${r.reason}`);
  // Asked for on a terminal; otherwise said, with the command that links it later.
  for (const id of result.needBarcode) {
    const video = await backend.call('videos.get', { id });
    const code = process.stdin.isTTY ? await ask(`Barcode for ${video.originalName} (empty: later): `) : '';
    if (code && BarcodeCode.safeParse(code).success) await backend.call('videos.setBarcode', { id, barcode: code });
    else ctx.err(`  ${video.originalName}: no barcode; link it with: atolye videos barcode ${id} <CODE>`);
  }
  const videos = await Promise.all(result.videos.map((v) => backend.call('videos.get', { id: v.id })));
  const unlinked = videos.some((v) => !v.productId);
  if (!values.process) {
    if (values.json) ctx.out(JSON.stringify({ ...result, videos }, null, 2));
    else for (const v of videos) ctx.out(describe(v));
    return result.refused.length || unlinked ? 1 : 0;
  }
  const linked = videos.filter((v) => v.productId).map((v) => v.id);
  const queued = linked.length ? await backend.call('videos.process', { ids: linked }) : { batchId: null, queued: 0, refused: [] };
  for (const r of queued.refused) ctx.err(`  ${r.id}: ${r.reason}`);
  const refused = new Set(queued.refused.map((r) => r.id));
  const ok = queued.batchId ? await waitAndReport(backend, ctx, queued.batchId, linked.filter((id) => !refused.has(id)), values.json) : true;
  return ok && result.refused.length === 0 && queued.refused.length === 0 && !unlinked ? 0 : 1;
}

/** Waits for a processing batch, printing each video's stage (events, over the socket beside the app); answers whether every video completed. */
async function waitAndReport(backend: CliBackend, ctx: CliContext, batchId: string, videoIds: string[], json = false): Promise<boolean> {
  const tty = process.stderr.isTTY;
  const names = new Map<string, Promise<string>>();
  const nameOf = (id: string) => names.get(id) ?? names.set(id, backend.call('videos.get', { id }).then((v) => v.originalName, () => id)).get(id)!;
  const lastStage = new Map<string, string | null>();
  const unsubscribe = backend.subscribe((e) => {
    if (e.type !== 'videos.progress') return;
    const { videoId, stage, percent } = e.payload;
    void nameOf(videoId).then((name) => {
      if (tty) process.stderr.write(`\r\x1b[K${name}: ${stage ?? 'starting'} ${percent ?? 0}%`);
      else if (lastStage.get(videoId) !== stage) {
        lastStage.set(videoId, stage);
        ctx.err(`${name}: ${stage ?? 'starting'}`);
      }
    });
  });
  const stopped = await Promise.race([waitForBatch(backend, batchId).then(() => false), ctx.stopped.then(() => true)]).finally(unsubscribe);
  if (tty) process.stderr.write('\n');
  if (stopped) {
    ctx.err(backend.remote ? `stopped waiting: the videos go on in the Atölye process ${backend.remote.pid} that holds the library` : 'stopped: unfinished videos stay queued and go on the next time the engine runs');
    return false;
  }
  const videos = await Promise.all(videoIds.map((id) => backend.call('videos.get', { id })));
  if (json) ctx.out(JSON.stringify(videos, null, 2));
  else for (const v of videos) ctx.out(describe(v));
  return videos.every((v) => v.state === 'completed');
}

async function keys(ctx: CliContext, rest: string[], label: string | undefined): Promise<number> {
  const [action, id] = rest;
  if (action === 'add' && !label) return usageError(ctx, 'keys add needs --label NAME');
  if (action === 'remove' && (!id || !Id.safeParse(id).success)) return usageError(ctx, 'keys remove needs a key id');
  if (action !== undefined && action !== 'add' && action !== 'remove') return usageError(ctx, `unknown keys action "${action}"`);
  const backend = await ctx.backend({ runJobs: false });
  let s: MetadataStatus;
  if (action === 'add') {
    const key = process.stdin.isTTY ? await ask('API key (not shown in history): ') : await readStdin();
    if (!key.trim()) return usageError(ctx, 'no key given on standard input');
    s = await backend.call('videos.addMetadataKey', { label: label!, key });
  } else if (action === 'remove') {
    s = await backend.call('videos.removeMetadataKey', { id: id! });
  } else {
    s = await backend.call('videos.metadataSettings', {});
  }
  ctx.out(`metadata API: ${s.endpoint} (${s.model}); fill after processing: ${s.auto ? 'yes' : 'no'}; keys kept: ${s.storage}${s.storageNote ? ` (${s.storageNote})` : ''}`);
  for (const k of s.keys) ctx.out(`  ${k.id}  ${k.label}  ${k.hint}${k.coolingUntil ? `  rate-limited until ${new Date(k.coolingUntil).toISOString()}` : ''}`);
  return 0;
}

function describe(v: Video): string {
  const product = v.barcode ? `${v.barcode}${v.productLabel ? ` ${v.productLabel}` : ''}` : 'no barcode';
  const detail =
    v.state === 'completed' ? `${v.framesKept} frames${v.framesFlagged ? `, ${v.framesFlagged} to review` : ''}` : v.state === 'failed' ? `${v.errorCode ?? 'failed'}: ${v.error}` : v.state;
  return `${v.id}  ${v.originalName}  [${product}]  ${v.state === 'completed' || v.state === 'failed' ? `${v.state}: ` : ''}${detail}`;
}

function usageError(ctx: CliContext, message: string): number {
  ctx.err(`atolye videos: ${message} (see atolye videos --help)`);
  return 2;
}

async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
