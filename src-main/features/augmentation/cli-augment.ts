import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ContractError, type AugmentRun } from '../../../src-shared/contract/index.js';
import { runsIn, waitForBatch, type CliCommand } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import type { AugmentationService } from './service.js';

const usage = `atolye augment <dataset> [--syn 600] [--real 400] [--backgrounds DIR] [--no-bundled] [--seed N] [--retry-failed] [--report FILE] [--json]

Tops every product of a dataset up to --syn synthetic images (its frames' cut-outs on
backgrounds, with shadows and camera-like distortions) and --real variants of its real
photos. Idempotent: what exists (recorded by origin) counts, so a second run makes
nothing and a raised target adds only the difference.

  <dataset>          a dataset's name or id (atolye datasets list)
  --syn N            synthetic images per product (default 600)
  --real N           real-photo variants per product (default 400)
  --backgrounds DIR  background images used besides the bundled set
  --no-bundled       leave the bundled backgrounds out
  --seed N           seed of every random choice (default 42)
  --retry-failed     try again the source images that failed in an earlier run
                     (skipped otherwise, and reported as skipped with their reason)
  --report FILE      also write the run's report (augmentation_report.json) there
  --json             print the report as JSON`;

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ContractError('invalid_input', `--${name} takes a whole number, not “${v}”`);
  return Number(v);
};

export function summary(run: AugmentRun): string[] {
  const t = run.totals;
  const lines = [
    `${run.datasetName}: ${run.state}, ${run.progress.done}/${run.progress.total} products`,
    `  synthetic: produced ${t.synthetic.produced}, existing ${t.synthetic.existing}, final ${t.synthetic.final}, failed ${t.synthetic.failed}`,
    `  real:      produced ${t.real.produced}, existing ${t.real.existing}, final ${t.real.final}, failed ${t.real.failed}`,
  ];
  for (const [split, s] of Object.entries(run.perSplit)) lines.push(`  ${split}: ${s.products} products, produced ${s.produced}, final ${s.final}`);
  for (const p of run.products) for (const f of p.failures) lines.push(`  ${f.skipped ? '' : 'failed '}${p.barcode ?? p.productId} ${f.kind}${f.index !== null ? ` #${f.index}` : ''}: ${f.reason}`);
  for (const b of run.unreadableBackgrounds) lines.push(`  unreadable background ${b.id} (passed over by ${b.outputs} image${b.outputs === 1 ? '' : 's'}): ${b.reason}`);
  return lines;
}

/** `atolye augment <dataset>`: exit 0 done, 1 failures or refused, 2 usage. */
// The feature's index passes the feature; the command goes through the contract instead.
export const augmentCommand = (_self?: EngineFeature<AugmentationService>): CliCommand => ({
  name: 'augment',
  summary: 'Top a dataset’s products up with synthetic images and real-photo variants',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { syn: { type: 'string' }, real: { type: 'string' }, backgrounds: { type: 'string' }, 'no-bundled': { type: 'boolean' }, seed: { type: 'string' }, 'retry-failed': { type: 'boolean' }, report: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) {
      ctx.err(usage);
      return 2;
    }
    try {
      // Through the contract (ctx.backend): beside the running app, the app runs the batch.
      const backend = await ctx.backend();
      const datasets = await backend.call('datasets.list', {});
      const ref = positionals[0]!;
      const dataset = datasets.find((d) => d.id === ref) ?? datasets.find((d) => d.name === ref);
      if (!dataset) throw new ContractError('not_found', `no dataset “${ref}” (atolye datasets list shows them)`);
      const params = {
        syntheticTarget: int(values.syn, 'syn'),
        realTarget: int(values.real, 'real'),
        seed: int(values.seed, 'seed'),
        ...(values.backgrounds ? { backgroundsDir: path.resolve(values.backgrounds) } : {}),
        bundledBackgrounds: !values['no-bundled'],
        retryFailed: values['retry-failed'] === true,
      };
      const started = await backend.call('augmentation.start', { datasetId: dataset.id, params });
      if (!values.json) ctx.out(`Augmenting “${dataset.name}”: ${started.progress.total} products (run ${started.id})${runsIn(backend)}`);
      // A run is a queue batch with the run's id.
      await waitForBatch(backend, started.id);
      const run = await backend.call('augmentation.get', { id: started.id });
      if (values.report) await fs.writeFile(path.resolve(values.report), JSON.stringify(run, null, 2));
      if (values.json) ctx.out(JSON.stringify(run, null, 2));
      else for (const line of summary(run)) ctx.out(line);
      return run.state === 'completed' && run.totals.synthetic.failed + run.totals.real.failed === 0 ? 0 : 1;
    } catch (err) {
      if (err instanceof ContractError) {
        ctx.err(`atolye augment: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
});
