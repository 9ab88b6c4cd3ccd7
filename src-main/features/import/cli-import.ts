import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ImportProgress } from '../../../src-shared/contract/index.js';
import type { CliBackend, CliCommand } from '../../engine/cli-command.js';

export const importCommand = (): CliCommand => ({
  name: 'import',
  summary: 'Import a folder (or files) of images into a project',
  usage: `atolye import <folder|files…> [--project NAME]

Imports every image under the given folders (recursively) and files into a new
project named after the folder, or NAME. Files that are not decodable images are
listed as skipped with the reason; the same file twice is imported once. A path
that does not exist is refused before anything is imported. Beside the running
app (or \`atolye serve\`) the import runs there, and shows up in it at once.

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
    const backend = await ctx.backend();
    const isTty = process.stderr.isTTY;
    // Relative paths are this shell's, not the engine's (which may be the app's process).
    const started = await backend.call('import.start', { paths: positionals.map((p) => path.resolve(p)), projectName: values.project });
    const done = await waitForImport(backend, started.importId, (p) => isTty && process.stderr.write(`\r${line(p)}`));
    if (isTty) process.stderr.write('\n');
    if (values.json) {
      ctx.out(JSON.stringify(done));
    } else {
      const project = await backend.call('projects.get', { id: done.projectId });
      ctx.out(`${line(done)} → project "${project.name}" (${project.id})`);
      for (const s of await skippedBy(backend, done)) ctx.out(`  skipped ${s.relPath}: ${s.reason}`);
    }
    if (done.state === 'failed') {
      ctx.err(`atolye import: ${done.error}`);
      return 1;
    }
    return 0;
  },
});

/** The files one import skipped, with the reason. */
export async function skippedBy(backend: CliBackend, progress: ImportProgress) {
  return (await backend.call('import.skipped', { projectId: progress.projectId })).filter((s) => s.importId === progress.importId);
}

/**
 * Resolves with an import's final progress. Progress events drive `onProgress`; the state
 * is also polled, so a missed event (a socket that dropped) never leaves the CLI waiting.
 */
export async function waitForImport(backend: CliBackend, importId: string, onProgress: (p: ImportProgress) => void = () => undefined): Promise<ImportProgress> {
  const finished = (p: ImportProgress) => p.state === 'done' || p.state === 'failed' || p.state === 'interrupted';
  let wake = () => {};
  const unsubscribe = backend.subscribe((e) => {
    if (e.type !== 'import.progress' || e.payload.importId !== importId) return;
    onProgress(e.payload);
    if (finished(e.payload)) wake();
  });
  try {
    for (;;) {
      const p = await backend.call('import.get', { importId });
      if (finished(p)) return p;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 500).unref();
      });
    }
  } finally {
    unsubscribe();
  }
}

function line(p: ImportProgress): string {
  return `${p.state}: ${p.processed}/${p.total} files, ${p.imported} imported, ${p.duplicates} duplicates, ${p.skipped} skipped`;
}
