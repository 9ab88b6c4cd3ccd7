import { parseArgs } from 'node:util';
import type { CliCommand } from '../../engine/cli-command.js';

export const projectsCommand = (): CliCommand => ({
  name: 'projects',
  summary: 'List projects',
  usage: `atolye projects [--json]

Lists the projects in the library, newest first: id, images, skipped files, name.

Options:
  --json       print the list as JSON
  -h, --help   show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
    // Through the contract, so it also lists the running app's library (ctx.backend).
    const projects = await (await ctx.backend({ runJobs: false })).call('projects.list', {});
    if (values.json) {
      ctx.out(JSON.stringify(projects, null, 2));
      return 0;
    }
    if (projects.length === 0) {
      ctx.out('No projects yet. Import a folder with: atolye import <folder>');
      return 0;
    }
    ctx.out(['ID'.padEnd(36), 'IMAGES'.padStart(7), 'SKIPPED'.padStart(8), '  NAME'].join(' '));
    for (const p of projects) ctx.out([p.id, String(p.assetCount).padStart(7), String(p.skippedCount).padStart(8), ` ${p.name}`].join(' '));
    return 0;
  },
});
