import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ModelId,
  RemoveBackgroundPreset,
  type Project,
  type RemoveBackgroundOptions,
  type RemoveBackgroundOptionsInput,
  type RemoveBackgroundRun,
} from '../../../src-shared/contract/index.js';
import type { CliBackend, CliCommand } from '../../engine/cli-command.js';
import { skippedBy, waitForImport } from '../import/public.js';
import { normaliseOptions } from './remove-background.js';

const summary = 'Remove the background of images (a folder or files) into an output folder';

const usage = `atolye remove-background <folder|files…> --out <dir> [--preset cutout|mask|white|crop|square] [options]

Imports the images into a project (a second run on the same folder or file, or with
the same --project, reuses its project and imports only what is new), removes
their backgrounds locally with the default model (CUDA when present, CPU otherwise)
and writes one file per image into <dir>, keeping the folder structure. Images that
were done before with the same settings are reused, not recomputed. A damaged image
is reported and skipped; the others are still done. A missing path or an invalid
option is refused before anything is imported. Beside the running app (or \`atolye
serve\`) on the same library, the work runs there, and shows up in it.

Each result gets a quality verdict. A doubtful one (nothing found, a speck, mostly
see-through, running off the frame, several pieces) is not counted as done: it is
listed with its reasons and written under <dir>/needs-review/ instead.

Presets:
  cutout   transparent PNG (or --format webp)          [default]
  mask     greyscale mask PNG
  white    product on white with a soft contact shadow (JPEG)
  crop     transparent cut-out cropped to the subject plus --margin
  square   square canvas, subject filling --fill of it (JPEG); the canvas follows
           the subject's own size unless --canvas forces one (which may upscale)

Options:
  --out DIR          output folder (created if missing)            required
  --preset NAME      see above
  --format FMT       png | webp | jpeg (jpeg only for white and square)
  --model ID         a model id from the Models page (default: the task's default)
  --refine on|off    refine the mask: solid subject, clear background, soft edge
                     only (on); off keeps the model's mask as it is
  --threshold N      binarise the mask at N (0–1) instead of soft edges
  --feather PX       soften the mask edge by PX pixels
  --margin N         crop: space around the subject, share of its size (0.05)
  --canvas PX        square: canvas side (default: the subject's own size / --fill)
  --fill N           square: share of the canvas the subject fills (0.85)
  --background HEX   white/square: background colour (#ffffff)
  --no-shadow        white/square: no contact shadow
  --project NAME     name of the project the images go into
  --strict           exit with code 3 when any image needs review
  --json             print the run's final state as JSON
  -h, --help         show this help

Exit codes: 0 done, 1 some images failed, 2 bad arguments, 3 some need review (--strict).`;

/** `atolye remove-background`: exit code 0 all done, 1 some failed, 2 usage, 3 some need review (with --strict). */
export const removeBackgroundCommand = (): CliCommand => ({
  name: 'remove-background',
  aliases: ['remove-bg'],
  summary,
  usage,
  run: (args, ctx) => run(args, ctx),
});

async function run(args: string[], ctx: Parameters<CliCommand['run']>[1]): Promise<number> {
  const err = ctx.err;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        preset: { type: 'string' },
        format: { type: 'string' },
        model: { type: 'string' },
        threshold: { type: 'string' },
        feather: { type: 'string' },
        margin: { type: 'string' },
        canvas: { type: 'string' },
        fill: { type: 'string' },
        background: { type: 'string' },
        'no-shadow': { type: 'boolean' },
        refine: { type: 'string' },
        strict: { type: 'boolean' },
        project: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`atolye remove-background: ${(e as Error).message} (see atolye remove-background --help)`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    ctx.out(usage);
    return 0;
  }
  if (positionals.length === 0 || !values.out) {
    err('atolye remove-background: give at least one folder or file and --out <dir> (see atolye remove-background --help)');
    return 2;
  }
  const preset = RemoveBackgroundPreset.safeParse(values.preset ?? 'cutout');
  if (!preset.success) {
    err(`atolye remove-background: unknown preset "${values.preset}" (cutout, mask, white, crop, square)`);
    return 2;
  }
  const options: RemoveBackgroundOptionsInput = { preset: preset.data };
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got "${v}"`);
    return n;
  };
  try {
    if (values.format) options.format = values.format as 'png' | 'webp' | 'jpeg';
    options.threshold = num('threshold', values.threshold) ?? null;
    options.feather = num('feather', values.feather);
    options.margin = num('margin', values.margin);
    options.canvas = num('canvas', values.canvas);
    options.fill = num('fill', values.fill);
    if (values.background) options.background = values.background;
    if (values['no-shadow']) options.shadow = false;
    if (values.refine !== undefined) {
      if (values.refine !== 'on' && values.refine !== 'off') throw new Error(`--refine takes on or off, got "${values.refine}"`);
      options.refine = values.refine === 'on';
    }
  } catch (e) {
    err(`atolye remove-background: ${(e as Error).message}`);
    return 2;
  }

  let normalised: RemoveBackgroundOptions;
  try {
    // Every option is checked before anything is imported: a typo must not leave a project behind.
    normalised = normaliseOptions(options);
    if (values.model !== undefined && !ModelId.safeParse(values.model).success) throw new Error(`--model: "${values.model}" is not a model id (see the Models page or atolye models)`);
  } catch (e) {
    err(`atolye remove-background: ${(e as Error).message}`);
    return 2;
  }
  const inputs = positionals.map((p) => path.resolve(p));
  for (const p of inputs) {
    if (!(await fs.stat(p).catch(() => null))) {
      err(`atolye remove-background: ${p}: no such file or folder; nothing was imported`);
      return 2;
    }
  }

  // In this process, or in the app that holds the library (ctx.backend): the same calls.
  const backend = await ctx.backend();
  const isTty = process.stderr.isTTY;
  const project = await projectToReuse(backend, inputs, values.project);
  const started = await backend.call('import.start', project ? { paths: inputs, projectId: project.id } : { paths: inputs, projectName: values.project });
  const imported = await waitForImport(backend, started.importId);
  if (imported.state === 'failed') {
    err(`atolye remove-background: ${imported.error}`);
    return 1;
  }
  if (project) ctx.err(`reusing project "${project.name}" (${project.id}): ${imported.imported} new image${imported.imported === 1 ? '' : 's'}`);
  for (const s of await skippedBy(backend, imported)) err(`  skipped ${s.relPath}: ${s.reason}`);
  const assetIds: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await backend.call('assets.list', { projectId: imported.projectId, offset, limit: 1000 });
    assetIds.push(...page.items.map((a) => a.id));
    if (offset + 1000 >= page.total) break;
  }
  if (assetIds.length === 0) {
    err('atolye remove-background: no images to process');
    return 1;
  }

  const relPathOf = async (assetId: string) => (await backend.call('assets.get', { id: assetId })).relPath;
  const failures: Promise<string>[] = [];
  let runId: string | null = null;
  let wake = () => {};
  const finished = (r: RemoveBackgroundRun) => r.state !== 'queued' && r.state !== 'running';
  const unsubscribe = backend.subscribe((e) => {
    if (e.type === 'remove-background.item' && e.payload.runId === runId && e.payload.state === 'failed') {
      const { sourceAssetId, error } = e.payload;
      failures.push(relPathOf(sourceAssetId).then((rel) => `  failed ${rel}: ${error}`, () => `  failed ${sourceAssetId}: ${error}`));
    }
    if (e.type === 'remove-background.progress' && e.payload.runId === runId) {
      if (isTty) process.stderr.write(`\r${progressLine(e.payload)}`);
      if (finished(e.payload)) wake();
    }
  });
  let done: RemoveBackgroundRun;
  try {
    await backend.ready();
    let run: RemoveBackgroundRun;
    try {
      run = await backend.call('remove-background.run', { projectId: imported.projectId, assetIds, options: normalised, modelId: values.model });
    } catch (e) {
      err(`atolye remove-background: ${(e as Error).message}`);
      return 1;
    }
    runId = run.runId;
    // Events drive the progress line; polling as well, so a dropped socket never hangs the CLI.
    for (done = run; !finished(done); done = await backend.call('remove-background.get', { runId: run.runId })) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
    }
  } finally {
    unsubscribe();
  }
  if (isTty) process.stderr.write('\n');

  const outDir = path.resolve(values.out);
  await fs.mkdir(outDir, { recursive: true });
  const wanted = new Set(assetIds);
  let written = 0;
  const results = await backend.call('remove-background.results', { projectId: imported.projectId });
  const byParams = results.filter((r) => wanted.has(r.sourceAssetId) && sameOptions(r.options, done.options) && r.modelId === done.modelId);
  const seen = new Set<string>();
  const toReview: string[] = [];
  const upscaled: string[] = [];
  for (const r of byParams) {
    if (seen.has(r.sourceAssetId)) continue; // newest first: one file per image
    seen.add(r.sourceAssetId);
    // A doubtful result goes apart, so what is in <dir> can be shipped as it is.
    const doubtful = r.review?.verdict === 'needs_review' && !r.review.accepted;
    const parts = r.asset.relPath.split('/').filter((p) => p && p !== '..');
    const dest = doubtful ? path.join(outDir, NEEDS_REVIEW_DIR, ...parts) : path.join(outDir, ...parts);
    if (doubtful) toReview.push(`  needs review ${await relPathOf(r.sourceAssetId)}: ${r.review!.reasons.join(', ')}`);
    if (r.upscale) upscaled.push(`  upscaled ${await relPathOf(r.sourceAssetId)} ${r.upscale.toFixed(2)}× to fit --canvas ${done.options.canvas}: it will look soft`);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await backend.saveAsset(r.asset.id, dest);
    written++;
  }
  for (const f of await Promise.all(failures)) err(f);
  for (const line of toReview.sort()) err(line);
  for (const line of upscaled.sort()) err(line);
  if (values.json) ctx.out(JSON.stringify(done));
  else
    ctx.out(
      `${done.state}: ${done.done} done, ${done.reused} reused, ${done.needsReview} need review, ${done.failed} failed on ${done.provider ?? 'no provider'} → ${written} files in ${outDir}` +
        (done.needsReview ? ` (${done.needsReview} under ${NEEDS_REVIEW_DIR}/)` : '') +
        (backend.remote ? ` (run by the Atölye process ${backend.remote.pid} that holds the library)` : ''),
    );
  if (done.state === 'failed' && done.error) err(`atolye remove-background: ${done.error}`);
  if (done.failed > 0 || done.state !== 'done') return 1;
  return values.strict && done.needsReview > 0 ? 3 : 0;
}

function progressLine(p: RemoveBackgroundRun): string {
  return `${p.state}: ${p.done + p.reused + p.needsReview + p.failed}/${p.total} (${p.reused} reused, ${p.needsReview} to review, ${p.failed} failed)`;
}

/**
 * The project an earlier run made from the same input, so a second run adds to it instead
 * of making another: the newest project whose source is this one folder or file (and whose
 * name is --project's, when given); with several inputs, the newest project named --project.
 */
async function projectToReuse(backend: CliBackend, inputs: string[], name: string | undefined): Promise<Project | null> {
  const projects = await backend.call('projects.list', {});
  const found = projects.find((p) => (inputs.length === 1 ? p.sourcePath === inputs[0] && (name === undefined || p.name === name) : name !== undefined && p.name === name));
  return found ?? null;
}

/** Where results that need review are written, inside --out. */
const NEEDS_REVIEW_DIR = 'needs-review';

function sameOptions(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
