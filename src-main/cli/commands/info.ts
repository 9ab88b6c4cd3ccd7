import { parseArgs } from 'node:util';
import type { CliCommand } from '../../engine/cli-command.js';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'Engine version, data directory and execution providers (probes CUDA)',
  usage: `atolye info [--json]

Prints the engine's version and data directory, and tries each onnxruntime execution
provider (CUDA, then DirectML or CoreML, then CPU) with a tiny model, saying which ones
initialise here and, for those that do not, the loader's reason (see docs/cuda.md);
then what features report about themselves (which ffmpeg, and its version).

Options:
  --json       print engine.info and inference.status as JSON
  -h, --help   show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
    // Through the contract: beside the running app it describes the app's engine, which is the one that runs the models.
    const backend = await ctx.backend({ runJobs: false });
    const info = await backend.call('engine.info', {});
    const status = await backend.call('inference.status', {});
    if (values.json) {
      ctx.out(JSON.stringify({ info, inference: status }, null, 2));
      return 0;
    }
    ctx.out(`Atölye ${info.version} on ${info.platform}-${info.arch}, Node ${info.node}, ${info.cpus} cores`);
    ctx.out(`library: ${info.dataDir}${backend.remote ? ` (held by the Atölye process ${backend.remote.pid}; these are its figures)` : ''}`);
    ctx.out(`inference: ${status.intraOpThreads} threads, ${Math.round(status.memoryBudgetBytes / 2 ** 20)} MiB model budget`);
    for (const p of status.providers) ctx.out(`  ${p.name.padEnd(7)} ${p.state}${p.detail ? `: ${p.detail}` : ''}`);
    for (const f of info.features ?? []) ctx.out(`${f.label}: ${f.value}`);
    return 0;
  },
};
