/**
 * Callers waiting for a job or a batch to finish, or for the queue to go idle. In memory
 * only: a waiter is a promise of this process, resolved after the change is committed.
 */
export class Waiters {
  private readonly jobs = new Map<string, (() => void)[]>();
  private readonly batches = new Map<string, (() => void)[]>();
  private idle: (() => void)[] = [];

  forJob(id: string): Promise<void> {
    return new Promise((resolve) => addWaiter(this.jobs, id, resolve));
  }

  forBatch(id: string): Promise<void> {
    return new Promise((resolve) => addWaiter(this.batches, id, resolve));
  }

  /** Registered at once (before the caller asks for a turn), resolved by the next idle turn. */
  forIdle(): Promise<void> {
    return new Promise((resolve) => this.idle.push(resolve));
  }

  resolveJob(id: string): void {
    wakeAll(this.jobs, id);
  }

  resolveBatch(id: string): void {
    wakeAll(this.batches, id);
  }

  resolveIdle(): void {
    const list = this.idle;
    this.idle = [];
    for (const w of list) w();
  }

  /** The queue closed: nothing more will finish in this process, so every waiter is let go. */
  releaseAll(): void {
    for (const list of [...this.jobs.values(), ...this.batches.values()]) for (const w of list) w();
    this.jobs.clear();
    this.batches.clear();
    this.resolveIdle();
  }
}

function addWaiter(map: Map<string, (() => void)[]>, id: string, waiter: () => void): void {
  const list = map.get(id);
  if (list) list.push(waiter);
  else map.set(id, [waiter]);
}

function wakeAll(map: Map<string, (() => void)[]>, id: string): void {
  const list = map.get(id);
  if (!list) return;
  map.delete(id);
  for (const w of list) w();
}
