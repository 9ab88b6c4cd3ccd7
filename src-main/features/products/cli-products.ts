import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExportFormat, ProductStatus, type Product } from '../../../src-shared/contract/index.js';
import type { CliCommand } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import type { ProductsApi } from './api.js';

const usage = `atolye products list [--status STATUS] [--query TEXT] [--json]
atolye products import <file.csv|file.json> [--dry-run] [--json]
atolye products export --out PATH [--format zip|csv|json] [--status STATUS]

The products catalog: items with barcodes, names, categories and a status
(pending, processing, needs_matching, ready, rejected).

  list     products, sorted by name (all of them; filter with --status or --query)
  import   create products from a CSV or JSON catalog; a row whose barcode is known
           updates that product instead; refused rows are listed with the reason
  export   write products to a ZIP (per product: metadata.json and its images), a CSV
           (UTF-8 with BOM, for Excel) or JSON

Options:
  --status STATUS   only products in this status
  --query TEXT      barcode prefix or words of the brand and name
  --format FMT      export format (default: by the --out file's extension, else zip)
  --out PATH        where the export goes
  --dry-run         import: read and report, change nothing
  --json            machine-readable output
  -h, --help        show this help`;

/** `atolye products …`: exit 0 ok, 1 refused rows or nothing found, 2 usage. */
// The feature's index passes the feature; every subcommand goes through the contract instead.
export const productsCommand = (_self?: EngineFeature<ProductsApi>): CliCommand => ({
  name: 'products',
  summary: 'The products catalog: list, import a CSV/JSON catalog, export',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { status: { type: 'string' }, query: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const [sub, ...rest] = positionals;
    const status = values.status === undefined ? undefined : ProductStatus.safeParse(values.status);
    if (status && !status.success) {
      ctx.err(`atolye products: --status must be one of ${ProductStatus.options.join(', ')}`);
      return 2;
    }
    const filter = { ...(status?.data ? { status: [status.data] } : {}), ...(values.query !== undefined ? { query: values.query } : {}) };
    // Through the contract (ctx.backend), so each subcommand also works beside the running app.
    switch (sub) {
      case 'list': {
        const backend = await ctx.backend({ runJobs: false });
        const products: Product[] = [];
        for (let total = Infinity; products.length < total; ) {
          const page = await backend.call('products.list', { ...filter, offset: products.length, limit: 500 });
          total = page.total;
          products.push(...page.items);
          if (page.items.length === 0) break;
        }
        if (values.json) {
          ctx.out(JSON.stringify(products, null, 2));
          return 0;
        }
        if (products.length === 0) {
          ctx.out('No products. Import a catalog with: atolye products import <file.csv>');
          return 0;
        }
        ctx.out(['BARCODE'.padEnd(14), 'STATUS'.padEnd(14), 'FRAMES'.padStart(6), '  BRAND · NAME'].join(' '));
        for (const p of products) ctx.out([(p.barcode ?? '—').padEnd(14), p.status.padEnd(14), String(p.counts.synthetic).padStart(6), ` ${[p.brandName, p.productName].filter(Boolean).join(' · ')}`].join(' '));
        ctx.out(`${products.length} product${products.length === 1 ? '' : 's'}`);
        return 0;
      }
      case 'import': {
        if (rest.length !== 1) {
          ctx.err('atolye products import: give one .csv or .json file (see atolye products --help)');
          return 2;
        }
        const backend = await ctx.backend({ runJobs: false });
        // Resolved here: a relative path is this shell's, not the engine's (which may be the app's process).
        const report = await backend.call('products.import', { path: path.resolve(rest[0]!), dryRun: values['dry-run'] ?? false });
        if (values.json) ctx.out(JSON.stringify(report, null, 2));
        else {
          ctx.out(`${report.rows} rows: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.refused.length} refused${values['dry-run'] ? ' (dry run: nothing changed)' : ''}`);
          for (const r of report.refused) ctx.err(`  row ${r.row}${r.barcode ? ` (${r.barcode})` : ''}: ${r.reason}`);
        }
        return report.refused.length ? 1 : 0;
      }
      case 'export': {
        if (!values.out) {
          ctx.err('atolye products export: --out PATH is required');
          return 2;
        }
        const guessed = path.extname(values.out).slice(1).toLowerCase();
        const format = ExportFormat.safeParse(values.format ?? (ExportFormat.options.includes(guessed as never) ? guessed : 'zip'));
        if (!format.success) {
          ctx.err(`atolye products export: --format must be one of ${ExportFormat.options.join(', ')}`);
          return 2;
        }
        const backend = await ctx.backend({ runJobs: false });
        // The engine writes the file (beside the app, the CLI's credential is what lets it name a path here).
        const done = await backend.call('products.exportTo', { destPath: path.resolve(values.out), format: format.data, selection: { filter, except: [] } });
        ctx.out(`${done.products} products → ${done.path} (${done.bytes} bytes)`);
        return 0;
      }
      default:
        ctx.err(sub ? `atolye products: unknown subcommand "${sub}"\n\n${usage}` : usage);
        return 2;
    }
  },
});
