import path from 'node:path';
import { parseArgs } from 'node:util';
import { BarcodeCode, ContractError, ProductStatus } from '../../../src-shared/contract/index.js';
import type { CliCommand } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import type { DatasetsApi } from './api.js';

const usage = `atolye datasets list [--json]
atolye datasets create <name> [--description TEXT] [--barcodes CODE,CODE…] [--status STATUS]
atolye datasets add <dataset> <barcode>…
atolye datasets export <dataset> --out PATH [--format zip|folder]
atolye datasets import <folder|zip> [--name NAME]

Datasets group catalog products for training; each product is in one split
(train / valid / test, 80/10/10 with seed 42 unless changed in the app).

  list     datasets with their product counts
  create   a new dataset, empty or with products (by barcode, or all in a status)
  add      add products by barcode (new ones get a split; the others stay)
  export   the layout external trainers read: {split}/{barcode}/frame_NNNN.png,
           syn_*.jpg, real/…, plus dataset.json and augmentation_report.json
  import   a dataset (and missing products) from a folder in that layout, or a ZIP of one

<dataset> is a dataset's name or id.`;

/** `atolye datasets …`: exit 0 ok, 1 refused, 2 usage. */
// The feature's index passes the feature; every subcommand goes through the contract instead.
export const datasetsCommand = (_self?: EngineFeature<DatasetsApi>): CliCommand => ({
  name: 'datasets',
  summary: 'Datasets of products for training: list, create, add, export, import',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, description: { type: 'string' }, barcodes: { type: 'string' }, status: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, name: { type: 'string' } },
    });
    const [sub, ...rest] = positionals;
    // Through the contract (ctx.backend), so each subcommand also works beside the running app;
    // paths are resolved here, since a relative one is this shell's, not the engine's.
    const backend = await ctx.backend({ runJobs: false });
    const find = async (ref: string | undefined) => {
      if (!ref) throw new ContractError('invalid_input', 'name the dataset');
      const all = await backend.call('datasets.list', {});
      const hit = all.find((d) => d.id === ref) ?? all.filter((d) => d.name === ref)[0];
      if (!hit) throw new ContractError('not_found', `no dataset “${ref}” (atolye datasets list shows them)`);
      return hit;
    };
    const idsOf = async (codes: readonly string[]) => {
      const ids: string[] = [];
      for (const c of codes) {
        const code = BarcodeCode.safeParse(c.trim());
        const p = code.success ? await backend.call('products.byBarcode', { code: code.data }) : null;
        if (!p) throw new ContractError('not_found', `no product with barcode ${c}`);
        ids.push(p.id);
      }
      return ids;
    };
    try {
      switch (sub) {
        case 'list': {
          const list = await backend.call('datasets.list', {});
          if (values.json) ctx.out(JSON.stringify(list, null, 2));
          else if (list.length === 0) ctx.out('No datasets. Create one with: atolye datasets create <name>');
          else for (const d of list) ctx.out(`${d.name}\t${d.productCount} products\t${new Date(d.createdAt).toISOString().slice(0, 10)}\t${d.id}`);
          return 0;
        }
        case 'create': {
          if (!rest[0]) break;
          const status = values.status === undefined ? undefined : ProductStatus.safeParse(values.status);
          if (status && !status.success) throw new ContractError('invalid_input', `--status must be one of ${ProductStatus.options.join(', ')}`);
          const codes = values.barcodes ? values.barcodes.split(',').filter(Boolean) : [];
          const from = codes.length ? { ids: await idsOf(codes) } : status?.data ? { filter: { status: [status.data] }, except: [] } : undefined;
          const d = await backend.call('datasets.create', { name: rest[0], ...(values.description !== undefined ? { description: values.description } : {}), ...(from ? { from } : {}) });
          ctx.out(values.json ? JSON.stringify(d, null, 2) : `Created “${d.name}” with ${d.productCount} products (${d.id})`);
          return 0;
        }
        case 'add': {
          const d = await find(rest[0]);
          if (rest.length < 2) break;
          const r = await backend.call('datasets.addProducts', { id: d.id, version: d.version, selection: { ids: await idsOf(rest.slice(1)) } });
          ctx.out(`Added ${r.added} products to “${d.name}” (${r.dataset.productCount} now)`);
          return 0;
        }
        case 'export': {
          const d = await find(rest[0]);
          if (!values.out) break;
          const format = values.format === 'folder' || values.format === 'zip' ? values.format : values.out.toLowerCase().endsWith('.zip') ? 'zip' : 'folder';
          // The engine writes it; beside the app, the CLI's credential is what lets it name a path here.
          const r = await backend.call('datasets.exportTo', { id: d.id, destPath: path.resolve(values.out), format });
          ctx.out(`Wrote ${r.files} files (${r.bytes} bytes) to ${r.path}`);
          return 0;
        }
        case 'import': {
          if (!rest[0]) break;
          const r = await backend.call('datasets.import', { path: path.resolve(rest[0]), ...(values.name !== undefined ? { name: values.name } : {}) });
          ctx.out(
            `Imported “${r.dataset.name}”: ${r.dataset.productCount} products (${r.productsCreated} new), ${r.images.synthetic} frames, ${r.images.real} real, ${r.images.augmented} augmented`,
          );
          for (const x of r.refused) ctx.err(`refused ${x.path}: ${x.reason}`);
          return r.refused.length ? 1 : 0;
        }
      }
    } catch (err) {
      if (err instanceof ContractError) {
        ctx.err(`atolye datasets: ${err.message}`);
        return 1;
      }
      throw err;
    }
    ctx.err(usage);
    return 2;
  },
});
