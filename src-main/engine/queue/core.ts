/**
 * What every part of the queue shares, built once per Queue: the database and the stores
 * of its tables, the event bus, this boot's id (the lease owner), the settings, the type
 * registry, the read side and the waiters.
 */
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import { BatchStore } from './batches.js';
import { BootStore } from './boots.js';
import { resolveOptions, type QueueOptions, type QueueSettings } from './options.js';
import { Registry } from './registry.js';
import { JobStore } from './store.js';
import { QueueViews } from './views.js';
import { Waiters } from './waiters.js';

export interface QueueCore {
  readonly db: Db;
  readonly events: EventBus;
  readonly bootId: string;
  readonly settings: QueueSettings;
  readonly jobs: JobStore;
  readonly batches: BatchStore;
  readonly boots: BootStore;
  readonly registry: Registry;
  readonly views: QueueViews;
  readonly waiters: Waiters;
}

export function createCore(db: Db, events: EventBus, bootId: string, options: QueueOptions): QueueCore {
  const settings = resolveOptions(options);
  const jobs = new JobStore(db);
  const batches = new BatchStore(db);
  return {
    db,
    events,
    bootId,
    settings,
    jobs,
    batches,
    boots: new BootStore(db),
    registry: new Registry(),
    views: new QueueViews(jobs, batches),
    waiters: new Waiters(),
  };
}
