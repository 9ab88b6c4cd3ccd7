import { parseArgs } from 'node:util';
import { ContractError, Id, type QueueStats } from '../../../src-shared/contract/index.js';
import type { CliBackend, CliCommand } from '../../engine/cli-command.js';

const queueUsage = `atolye queue [stats] [--json]
atolye queue pause [BATCH_ID]
atolye queue resume [BATCH_ID]
atolye queue retry-failed [BATCH_ID]

The durable job queue: imports and every other long operation run through it.

Commands:
  stats          counts by state, throughput, mean duration per job type (default)
  pause          stop starting new jobs (running ones finish); with a batch id, only that batch
  resume         start jobs again, for the whole queue or one batch
  retry-failed   run failed jobs again: those of one batch, or every failed job

Options:
  --json       print the stats as JSON
  -h, --help   show this help`;

export const queueCommand: CliCommand = {
  name: 'queue',
  summary: 'Job queue: stats, pause, resume, retry failed jobs',
  usage: queueUsage,
  // Inspecting or steering the queue must not start running its jobs in this process
  // (and beside the running app, it steers the app's queue).
  run: async (args, ctx) => queueCli(args, { backend: () => ctx.backend({ runJobs: false }), out: ctx.out }),
};

/** `atolye queue …`; answers the exit code (0 ok, 1 not found, 2 bad usage). */
async function queueCli(args: string[], ctx: { backend: () => Promise<CliBackend>; out: (line: string) => void }): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: false, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    ctx.out(queueUsage);
    return 0;
  }
  const [sub = 'stats', batchId, ...extra] = positionals;
  if (extra.length || (sub === 'stats' && batchId)) {
    ctx.out(`atolye queue: unexpected argument "${extra[0] ?? batchId}"\n\n${queueUsage}`);
    return 2;
  }
  if (batchId !== undefined && !Id.safeParse(batchId).success) {
    ctx.out(`atolye queue: "${batchId}" is not a batch id`);
    return 2;
  }
  if (!['stats', 'pause', 'resume', 'retry-failed'].includes(sub)) {
    ctx.out(`atolye queue: unknown command "${sub}"\n\n${queueUsage}`);
    return 2;
  }
  const backend = await ctx.backend();
  try {
    switch (sub) {
      case 'stats': {
        const stats = await backend.call('queue.stats', {});
        if (values.json) ctx.out(JSON.stringify(stats, null, 2));
        else for (const line of formatStats(stats)) ctx.out(line);
        return 0;
      }
      case 'pause':
      case 'resume': {
        const control = await backend.call(sub === 'pause' ? 'queue.pause' : 'queue.resume', batchId === undefined ? {} : { batchId });
        if (control.batch) ctx.out(`batch ${control.batch.id} (${control.batch.label ?? control.batch.type}): ${control.batch.state}`);
        else ctx.out(control.paused ? 'queue paused: running jobs finish, nothing new starts' : 'queue resumed');
        return 0;
      }
      case 'retry-failed': {
        const { retried, batch } = await backend.call('queue.retryFailedBatch', batchId === undefined ? {} : { batchId });
        ctx.out(`${retried} failed job${retried === 1 ? '' : 's'} queued again${batch ? ` in batch ${batch.id} (${batch.state})` : ''}`);
        return 0;
      }
      default:
        ctx.out(`atolye queue: unknown command "${sub}"\n\n${queueUsage}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ContractError && err.code === 'not_found') {
      ctx.out(`atolye queue: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

function formatStats(s: QueueStats): string[] {
  const c = s.counts;
  const ms = (v: number | null) => (v == null ? '-' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
  const lines = [
    `queue ${s.paused ? `PAUSED${s.pauseReason === 'disk_full' ? ' (the disk is full; it resumes by itself once space is freed)' : ''}` : 'running'}: ${c.running} running, ${c.pending} pending, ${c.paused} paused, ${c.completed} completed, ${c.failed} failed, ${c.cancelled} cancelled`,
    `throughput: ${s.throughput.lastMinute.toFixed(0)} jobs/min over the last minute, ${s.throughput.last15Minutes.toFixed(1)} over 15 min`,
    `resources: ${s.resources.map((r) => `${r.resource} ${r.running}/${r.limit}`).join(', ')}`,
    `batches: ${s.batches.active} active, ${s.batches.finished} finished`,
  ];
  if (s.types.length) {
    const width = Math.max(4, ...s.types.map((t) => t.type.length));
    lines.push('', `${'TYPE'.padEnd(width)}  ${['PENDING', 'RUNNING', 'DONE', 'FAILED', 'DONE/1H', 'MEAN'].map((h) => h.padStart(8)).join('')}`);
    for (const t of s.types) {
      const cells = [t.counts.pending + t.counts.paused, t.counts.running, t.counts.completed, t.counts.failed, t.completedLastHour].map((n) => String(n).padStart(8));
      lines.push(`${t.type.padEnd(width)}  ${cells.join('')}${ms(t.meanDurationMs).padStart(8)}`);
    }
  }
  return lines;
}
