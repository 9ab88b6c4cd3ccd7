import { parseArgs } from 'node:util';
import type { ImportProgress } from '../../../src-shared/contract/index.js';
import type { CliCommand } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import type { ImportService } from './import-service.js';

export const importCommand = (imports: EngineFeature<ImportService>): CliCommand => ({
  name: 'import',
  summary: 'Import a folder (or files) of images into a project',
  usage: `atolye import <folder|files…> [--project NAME]

Imports every image under the given folders (recursively) and files into a new
project named after the folder, or NAME. Files that are not decodable images are
listed as skipped with the reason; the same file twice is imported once.

Options:
  --project NAME   name of the new project
  --json           print the final progress as JSON
  -h, --help       show this help`,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { project: { type: 'string' }, json: { type: 'boolean' } } });
    if (positionals.length === 0) {
      ctx.err('atolye import: give at least one folder or file (see atolye import --help)');
      return 2;
    }
    const engine = await ctx.engine();
    const service = engine.use(imports);
    const started = await service.start({ paths: positionals, projectName: values.project });
    const isTty = process.stderr.isTTY;
    const unsubscribe = engine.events.subscribe((e) => {
      if (isTty && e.type === 'import.progress' && e.payload.importId === started.importId) process.stderr.write(`\r${line(e.payload)}`);
    });
    const done = await service.wait(started.importId);
    unsubscribe();
    if (isTty) process.stderr.write('\n');
    if (values.json) {
      ctx.out(JSON.stringify(done));
    } else {
      const project = service.project(done.projectId);
      ctx.out(`${line(done)} → project "${project.name}" (${project.id})`);
      for (const s of service.listSkipped(done.projectId).filter((s) => s.importId === done.importId)) ctx.out(`  skipped ${s.relPath}: ${s.reason}`);
    }
    if (done.state === 'failed') {
      ctx.err(`atolye import: ${done.error}`);
      return 1;
    }
    return 0;
  },
});

function line(p: ImportProgress): string {
  return `${p.state}: ${p.processed}/${p.total} files, ${p.imported} imported, ${p.duplicates} duplicates, ${p.skipped} skipped`;
}
