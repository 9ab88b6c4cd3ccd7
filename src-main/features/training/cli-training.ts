import { parseArgs } from 'node:util';
import { ContractError, DEFAULT_TRAINING_BACKBONE_ID, MEASURED_BEST_RECIPE, type TrainingRun } from '../../../src-shared/contract/index.js';
import { followUntil, runsIn, type CliBackend, type CliCommand } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import type { TrainingService } from './service.js';

const trainUsage = `atolye train <dataset> [--epochs N] [--backbone ID] [--best] [--fine-tune [--fine-tune-layers 1|2]] [--seed N] [--json]

Trains a recognition head on a dataset's products (its train split; recall measured on
its valid split after every epoch) on top of an embedder (default: ${DEFAULT_TRAINING_BACKBONE_ID},
the offline default's network at 320 px, which trains better), and registers the result
as a model (atolye models list). One line per epoch; --json prints
the finished run as JSON on the last line. Ctrl+C stops this command; the run keeps its
last checkpoint and continues when the app (or atolye train --resume RUN) resumes it.

  --best         the best recipe measured on real product photos (views + an LDA part,
                 15 epochs) instead of the reference trainer's defaults
  --fine-tune    also train the built-in backbone's last layer (much slower on a CPU:
                 about 15× per epoch measured here); the model carries its own backbone
  --fine-tune-layers N   1 (the final convolution) or 2 (block 16's projection too, with
                 layer-wise learning-rate decay); implies --fine-tune
  --resume RUN   continue a cancelled, paused or failed run from its checkpoint

<dataset> is a dataset's name or id (atolye datasets list).`;

const modelsUsage = `atolye models list [--json]
atolye models activate <id>

  list       embedders (the offline default, the catalog, imported and trained ones);
             * marks the active one (used when extraction or matching names none)
  activate   makes one the active embedder (the offline default's id goes back to it)`;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const FINISHED = new Set(['done', 'failed', 'cancelled']);

function epochLine(run: TrainingRun): string | null {
  const e = run.history[run.history.length - 1];
  if (!e) return null;
  const eta = run.etaSeconds !== null && run.state === 'running' ? `  ETA ${Math.round(run.etaSeconds)} s` : '';
  return `epoch ${e.epoch}/${run.epochs}  loss ${e.loss.toFixed(3)}  lr ${e.lr.toExponential(2)}  recall@1 ${pct(e.recall.at1)}  @5 ${pct(e.recall.at5)}  ${e.seconds.toFixed(1)} s${eta}`;
}

/** Follows a run until it ends, printing each new epoch and stage. */
function follow(backend: CliBackend, runId: string, say: (line: string) => void): Promise<TrainingRun> {
  let printedEpochs = 0;
  let stage: string | null = null;
  return followUntil(
    backend,
    () => backend.call('training.get', { id: runId }),
    (e) => e.type === 'training.progress' && (e.payload as { id?: string }).id === runId,
    (run) => FINISHED.has(run.state),
    (run) => {
      if (run.stage && run.stage !== stage && run.stage !== 'training') say(`${run.stage}…`);
      stage = run.stage;
      if (run.history.length > printedEpochs) {
        printedEpochs = run.history.length;
        const line = epochLine(run);
        if (line) say(line);
      }
    },
  );
}

/** `atolye train`: exit 0 done, 1 refused or failed, 2 usage. */
export const trainCommand = (_self?: EngineFeature<TrainingService>): CliCommand => ({
  name: 'train',
  summary: 'Train a recognition model on a dataset (per-epoch recall; the result becomes an embedder)',
  usage: trainUsage,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { epochs: { type: 'string' }, backbone: { type: 'string' }, best: { type: 'boolean' }, 'fine-tune': { type: 'boolean' }, 'fine-tune-layers': { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, resume: { type: 'string' } } });
    } catch (err) {
      ctx.err(`atolye train: ${(err as Error).message}`);
      ctx.err(trainUsage);
      return 2;
    }
    const { values, positionals } = parsed;
    // Decimal digits only: Number() would also take "0x2", "1e1" or " " (as 0).
    const int = (name: string, text: string | undefined, min: number): number | undefined | Error => {
      if (text === undefined) return undefined;
      const n = /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
      return Number.isInteger(n) && n >= min ? n : new Error(`--${name} takes a whole number ≥ ${min}, not “${text}”`);
    };
    const epochs = int('epochs', values.epochs, 1);
    const seed = int('seed', values.seed, 0);
    // 1 or 2 (the engine's schema says so too; a usage error here is clearer).
    const fineTuneLayers = ((n) => (typeof n === 'number' && n > 2 ? new Error(`--fine-tune-layers takes 1 or 2, not “${values['fine-tune-layers']}”`) : n))(int('fine-tune-layers', values['fine-tune-layers'], 1));
    const bad = [epochs, seed, fineTuneLayers].find((v) => v instanceof Error);
    if (bad || (!values.resume && positionals.length !== 1)) {
      if (bad) ctx.err(`atolye train: ${bad.message}`);
      ctx.err(trainUsage);
      return 2;
    }
    try {
      const backend = await ctx.backend();
      let run: TrainingRun;
      if (values.resume) run = await backend.call('training.resume', { id: values.resume });
      else {
        const ref = positionals[0]!;
        const all = await backend.call('datasets.list', {});
        const dataset = all.find((d) => d.id === ref) ?? all.find((d) => d.name === ref);
        if (!dataset) throw new ContractError('not_found', `no dataset “${ref}” (atolye datasets list shows them)`);
        // A short run's warm-up shortens with it (the recipe's default does that).
        const config = {
          ...(values.best ? MEASURED_BEST_RECIPE : {}),
          ...(epochs !== undefined ? { epochs: epochs as number } : {}),
          ...(seed !== undefined ? { seed: seed as number } : {}),
          ...(values['fine-tune'] || values['fine-tune-layers'] !== undefined ? { backbone: { fineTune: true, ...(fineTuneLayers !== undefined ? { layers: fineTuneLayers as number } : {}) } } : {}),
        };
        // The best recipe's warm-up (2) must stay under a shorter run's epochs.
        if (values.best && typeof epochs === 'number') config.schedule = { ...MEASURED_BEST_RECIPE.schedule, warmupEpochs: Math.min(MEASURED_BEST_RECIPE.schedule?.warmupEpochs ?? 0, epochs - 1) };
        const estimate = await backend.call('training.estimate', { datasetId: dataset.id, backboneModelId: values.backbone, config });
        if (!estimate.ok) throw new ContractError('invalid_input', `cannot train on ${dataset.name}: ${estimate.reason}`);
        const c = estimate.counts;
        ctx.out(
          `training on ${dataset.name}: ${c.products.train} products (${c.images.train.real} real, ${c.images.train.synthetic} synthetic images), valid ${c.products.valid} products, on ${estimate.backboneId}; about ${Math.round(estimate.seconds)} s${estimate.basis === 'constant' ? ' (estimated before any run measured this machine)' : ''}${runsIn(backend)}`,
        );
        run = await backend.call('training.start', { datasetId: dataset.id, backboneModelId: values.backbone, config });
      }
      ctx.out(`run ${run.id}`);
      const end = await follow(backend, run.id, ctx.out);
      if (end.state !== 'done') {
        ctx.err(`atolye train: the run ${end.state === 'cancelled' ? 'was cancelled' : `failed: ${end.error ?? 'no reason given'}`}${end.resumable ? ` (atolye train --resume ${end.id} continues it)` : ''}`);
        if (values.json) ctx.out(JSON.stringify(end));
        return 1;
      }
      const last = end.history[end.history.length - 1];
      if (end.baseline && last) ctx.out(`valid recall@1 ${pct(end.baseline.recall.at1)} → ${pct(last.recall.at1)}, @5 ${pct(end.baseline.recall.at5)} → ${pct(last.recall.at5)}`);
      if (end.test) ctx.out(`test recall@1 ${pct(end.test.before.at1)} → ${pct(end.test.after.at1)}`);
      ctx.out(`model ${end.modelId} (atolye models activate ${end.modelId} makes it the default embedder)`);
      if (values.json) ctx.out(JSON.stringify(end));
      return 0;
    } catch (err) {
      if (err instanceof ContractError) {
        ctx.err(`atolye train: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
});

/** `atolye models list|activate`: exit 0 ok, 1 refused, 2 usage. */
export const modelsCommand = (_self?: EngineFeature<TrainingService>): CliCommand => ({
  name: 'models',
  summary: 'Embedders and trained models: list them, set the active one',
  usage: modelsUsage,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
    const [sub, id] = positionals;
    try {
      if (sub === 'list' && !id) {
        const backend = await ctx.backend({ runJobs: false });
        const embedders = await backend.call('embeddings.models', {});
        const trained = new Map((await backend.call('training.models', {})).map((m) => [m.id, m]));
        if (values.json) {
          ctx.out(JSON.stringify(embedders.map((e) => ({ ...e, trained: trained.get(e.id) ?? null }))));
          return 0;
        }
        for (const e of embedders) {
          const t = trained.get(e.id);
          const figures = t ? `  ${t.classes} products, valid recall@1 ${pct(t.recall.before1)} → ${pct(t.recall.at1)}${t.fineTuned ? ', backbone fine-tuned' : ''}` : '';
          ctx.out(`${e.active ? '*' : ' '} ${e.id}  ${e.name}  ${e.dimension}-d  ${e.source}${e.installed ? '' : ' (not installed)'}${figures}`);
        }
        return 0;
      }
      if (sub === 'activate' && id) {
        const backend = await ctx.backend({ runJobs: false });
        const r = await backend.call('training.activate', { id });
        ctx.out(`active embedder: ${r.activeEmbedderId}`);
        if (r.staleIndexIds.length) ctx.out(`${r.staleIndexIds.length} vector index(es) were built with another embedder; re-index them to use it (atolye embed, or the Embeddings page)`);
        return 0;
      }
    } catch (err) {
      if (err instanceof ContractError) {
        ctx.err(`atolye models: ${err.message}`);
        return 1;
      }
      throw err;
    }
    ctx.err(modelsUsage);
    return 2;
  },
});

export const trainingCommands = (self: EngineFeature<TrainingService>): CliCommand[] => [trainCommand(self), modelsCommand(self)];
