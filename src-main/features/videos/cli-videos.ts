import path from 'node:path';
import readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { BarcodeCode, VideoState, type Video } from '../../../src-shared/contract/index.js';
import type { CliCommand, CliContext } from '../../engine/cli-command.js';
import type { Engine } from '../../engine/engine.js';
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

/** `atolye videos …`. */
export const videosCommand = (feature: EngineFeature<VideosApi>): CliCommand => ({
  name: 'videos',
  summary: 'Product videos → segmented frames: add (by barcode), process, watched folder, metadata keys',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'add':
        return add(feature, ctx, rest, values);
      case 'list': {
        const state = values.state === undefined ? undefined : VideoState.safeParse(values.state);
        if (state && !state.success) return usageError(ctx, `--state must be one of ${VideoState.options.join(', ')}`);
        const api = (await ctx.engine({ runJobs: false })).use(feature);
        const { items } = api.library.list({ state: state?.data ? [state.data] : undefined, limit: 1000 });
        if (values.json) ctx.out(JSON.stringify(items, null, 2));
        else {
          for (const v of items) ctx.out(describe(v));
          ctx.out(`${items.length} video${items.length === 1 ? '' : 's'}`);
        }
        return 0;
      }
      case 'process': {
        const engine = await ctx.engine();
        const api = engine.use(feature);
        const ids = values.pending ? api.library.list({ state: ['pending', 'failed'], limit: 1000 }).items.filter((v) => v.productId).map((v) => v.id) : rest;
        if (ids.length === 0) return values.pending ? (ctx.out('Nothing to process.'), 0) : usageError(ctx, 'give video ids, or --pending');
        const queued = api.processing.process(ids);
        for (const r of queued.refused) ctx.err(`  ${r.id}: ${r.reason}`);
        if (!queued.batchId) return 1;
        return (await waitAndReport(engine, api, ctx, queued.batchId)) && queued.refused.length === 0 ? 0 : 1;
      }
      case 'barcode': {
        const [id, code] = rest;
        if (!id || !code || !BarcodeCode.safeParse(code).success) return usageError(ctx, 'give a video id and a barcode (6–14 digits)');
        const v = (await ctx.engine({ runJobs: false })).use(feature).library.setBarcode(id, code);
        ctx.out(describe(v));
        return 0;
      }
      case 'watch': {
        const api = (await ctx.engine({ runJobs: false })).use(feature);
        if (values.on && values.off) return usageError(ctx, 'give --on or --off, not both');
        const patch = {
          ...(values.folder !== undefined ? { folder: path.resolve(values.folder) } : {}),
          ...(values.on ? { enabled: true } : values.off ? { enabled: false } : {}),
          ...(values['no-process'] ? { process: false } : values.on ? { process: true } : {}),
        };
        const s = Object.keys(patch).length ? await api.watch.update(patch) : api.watch.status();
        ctx.out(`watched folder: ${s.folder ?? '(none)'}; ${s.enabled ? 'on' : 'off'}; ${s.process ? 'processes' : 'only adds'} new videos after ${s.stableMs / 1000} s without change`);
        if (s.enabled) ctx.out('(the folder is watched while the app or `atolye serve` runs)');
        return 0;
      }
      case 'keys':
        return keys(feature, ctx, rest, values.label);
      case 'metadata': {
        if (rest.length === 0) return usageError(ctx, 'give product ids');
        const engine = await ctx.engine();
        const r = engine.use(feature).fillMetadata(rest);
        for (const x of r.refused) ctx.err(`  ${x.id}: ${x.reason}`);
        ctx.out(`${r.queued} product${r.queued === 1 ? '' : 's'} queued`);
        if (r.queued) await Promise.race([engine.queue.drain(), ctx.stopped]);
        return r.refused.length ? 1 : 0;
      }
      default:
        ctx.err(sub ? `atolye videos: unknown subcommand "${sub}"\n\n${usage}` : usage);
        return 2;
    }
  },
});

type Values = { barcode?: string; process?: boolean; json?: boolean };

async function add(feature: EngineFeature<VideosApi>, ctx: CliContext, files: string[], values: Values): Promise<number> {
  if (files.length === 0) return usageError(ctx, 'give at least one video file or folder');
  if (values.barcode !== undefined && !BarcodeCode.safeParse(values.barcode).success) return usageError(ctx, '--barcode must be 6 to 14 digits');
  const engine = await ctx.engine();
  const api = engine.use(feature);
  const result = await api.add({ files: files.map((f) => ({ path: path.resolve(f) })), barcode: values.barcode, process: false });
  for (const r of result.refused) ctx.err(`  ${r.name}: ${r.reason}`);
  // Asked for on a terminal; otherwise said, with the command that links it later.
  for (const id of result.needBarcode) {
    const video = api.library.get(id);
    const code = process.stdin.isTTY ? await ask(`Barcode for ${video.originalName} (empty: later): `) : '';
    if (code && BarcodeCode.safeParse(code).success) api.library.setBarcode(id, code);
    else ctx.err(`  ${video.originalName}: no barcode; link it with: atolye videos barcode ${id} <CODE>`);
  }
  const videos = result.videos.map((v) => api.library.get(v.id));
  const unlinked = videos.some((v) => !v.productId);
  if (!values.process) {
    if (values.json) ctx.out(JSON.stringify({ ...result, videos }, null, 2));
    else for (const v of videos) ctx.out(describe(v));
    return result.refused.length || unlinked ? 1 : 0;
  }
  const queued = api.processing.process(videos.filter((v) => v.productId).map((v) => v.id));
  for (const r of queued.refused) ctx.err(`  ${r.id}: ${r.reason}`);
  const ok = queued.batchId ? await waitAndReport(engine, api, ctx, queued.batchId, values.json) : true;
  return ok && result.refused.length === 0 && queued.refused.length === 0 && !unlinked ? 0 : 1;
}

/** Waits for a processing batch, printing each video's stage; answers whether every video completed. */
async function waitAndReport(engine: Engine, api: VideosApi, ctx: CliContext, batchId: string, json = false): Promise<boolean> {
  const tty = process.stderr.isTTY;
  const names = new Map<string, string>();
  const lastStage = new Map<string, string | null>();
  const unsubscribe = engine.events.subscribe((e) => {
    if (e.type !== 'videos.progress') return;
    const { videoId, stage, percent } = e.payload;
    const name = names.get(videoId) ?? names.set(videoId, api.library.get(videoId).originalName).get(videoId)!;
    if (tty) process.stderr.write(`\r\x1b[K${name}: ${stage ?? 'starting'} ${percent ?? 0}%`);
    else if (lastStage.get(videoId) !== stage) {
      lastStage.set(videoId, stage);
      ctx.err(`${name}: ${stage ?? 'starting'}`);
    }
  });
  const stopped = await Promise.race([engine.queue.waitForBatch(batchId).then(() => false), ctx.stopped.then(() => true)]);
  unsubscribe();
  if (tty) process.stderr.write('\n');
  if (stopped) {
    ctx.err('stopped: unfinished videos stay queued and go on the next time the engine runs');
    return false;
  }
  const jobs = engine.queue.list({ batchId, limit: 1000 }).items;
  const videos = jobs.map((j) => api.library.repo.byJob.get(j.id)).filter((r) => r !== undefined).map((r) => api.library.get(r.id));
  if (json) ctx.out(JSON.stringify(videos, null, 2));
  else for (const v of videos) ctx.out(describe(v));
  return videos.every((v) => v.state === 'completed');
}

async function keys(feature: EngineFeature<VideosApi>, ctx: CliContext, rest: string[], label: string | undefined): Promise<number> {
  const api = (await ctx.engine({ runJobs: false })).use(feature);
  const [action, id] = rest;
  if (action === 'add') {
    if (!label) return usageError(ctx, 'keys add needs --label NAME');
    const key = process.stdin.isTTY ? await ask('API key (not shown in history): ') : await readStdin();
    if (!key.trim()) return usageError(ctx, 'no key given on standard input');
    api.metadata.addKey(label, key);
  } else if (action === 'remove') {
    if (!id) return usageError(ctx, 'keys remove needs a key id');
    api.metadata.removeKey(id);
  } else if (action !== undefined) {
    return usageError(ctx, `unknown keys action "${action}"`);
  }
  const s = api.metadata.status();
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
