/**
 * Adding work: jobs (checked against their type's payload schema, answered by an existing
 * job when the same work is already there) and batches. A child is counted in its batch
 * in the same transaction that inserts it.
 */
import { ContractError, parseOrThrow } from '../../../src-shared/contract/index.js';
import { newId } from '../ids.js';
import type { BatchEvents } from './batch-events.js';
import type { QueueCore } from './core.js';
import { dedupeKey } from './dedupe.js';
import type { Scheduler } from './scheduler.js';
import { priorityRank, type BatchTypeDefinition, type EnqueueOptions, type JobHandle } from './types.js';

export class Enqueuer {
  constructor(
    private readonly core: QueueCore,
    private readonly batchEvents: BatchEvents,
    private readonly scheduler: Scheduler,
  ) {}

  enqueue<P>(definition: JobHandle<P>, payload: P, options: EnqueueOptions = {}): { id: string; existing: boolean } {
    return this.add(definition.type, payload, options, true);
  }

  enqueueMany<P>(definition: JobHandle<P>, payloads: readonly P[], options: EnqueueOptions = {}): string[] {
    return this.core.db.transaction(() => {
      let added = 0;
      const ids = payloads.map((p) => {
        const r = this.add(definition.type, p, options, false);
        if (!r.existing) added++;
        return r.id;
      });
      if (options.batchId && added) this.batchEvents.countChild(options.batchId, { total: added }, this.core.settings.clock.now(), null);
      return ids;
    })();
  }

  createBatch(type: Pick<BatchTypeDefinition, 'type'>, batch: { id?: string; label?: string | null; projectId?: string | null } = {}): string {
    const { registry, batches, settings } = this.core;
    if (!registry.hasBatchType(type.type)) throw new Error(`batch type ${type.type} is not registered in this engine`);
    const id = batch.id ?? newId();
    batches.create({ id, type: type.type, label: batch.label ?? null, projectId: batch.projectId ?? null }, settings.clock.now());
    return id;
  }

  private add(type: string, payload: unknown, options: EnqueueOptions, countBatch: boolean): { id: string; existing: boolean } {
    const { db, jobs, registry, settings } = this.core;
    const def = registry.job(type)?.def;
    if (!def) throw new ContractError('invalid_input', `job type ${type} is not registered in this engine`);
    const parsed = parseOrThrow(def.payload, payload, type);
    let key = options.dedupeKey;
    if (key === undefined) {
      const d = def.dedupe?.(parsed);
      key = d ? dedupeKey(type, d.input, d.params) : null;
    }
    if (key) {
      const existing = jobs.byDedupe(key);
      if (existing) return { id: existing.id, existing: true };
    }
    const id = newId();
    const now = settings.clock.now();
    const job = {
      id,
      type,
      label: options.label ?? def.label?.(parsed) ?? null,
      priority: priorityRank[options.priority ?? def.priority ?? 'normal'],
      resource: def.resource,
      model: options.model ?? def.model?.(parsed) ?? null,
      payload: JSON.stringify(parsed),
      batchId: options.batchId ?? null,
      projectId: options.projectId ?? null,
      dedupeKey: key,
      maxAttempts: options.maxAttempts ?? def.retry?.maxAttempts ?? settings.retryDefaults.maxAttempts,
      runAt: options.runAt ?? now,
      now,
    };
    if (job.batchId && countBatch) {
      const batchId = job.batchId;
      db.transaction(() => {
        jobs.insert(job);
        this.batchEvents.countChild(batchId, { total: 1 }, now, null);
      })();
    } else {
      jobs.insert(job);
    }
    if (job.runAt > now) this.scheduler.wake(job.runAt);
    this.scheduler.schedule();
    return { id, existing: false };
  }
}
