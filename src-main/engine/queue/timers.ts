/**
 * The queue's periodic work while it runs: the heartbeat renews this boot's leases, the
 * poll looks for work another process enqueued or resumed, and maintenance sweeps
 * expired leases and applies the retention policy. Each re-arms itself after it fires.
 */
import type { ClockTimer } from './clock.js';
import type { QueueCore } from './core.js';
import type { Scheduler } from './scheduler.js';

export interface Housekeeping {
  renewLeases(): void;
  /** Takes over jobs whose lease ran out (throws when the database is busy). */
  sweepExpiredLeases(): void;
  cleanup(): Promise<number>;
}

export class QueueTimers {
  private heartbeatTimer: ClockTimer | null = null;
  private pollTimer: ClockTimer | null = null;
  private maintenanceTimer: ClockTimer | null = null;

  constructor(
    private readonly core: QueueCore,
    private readonly scheduler: Scheduler,
    private readonly housekeeping: Housekeeping,
  ) {}

  start(): void {
    this.armHeartbeat();
    this.armPoll();
    this.armMaintenance();
  }

  stop(): void {
    for (const t of [this.heartbeatTimer, this.pollTimer, this.maintenanceTimer]) if (t) this.core.settings.clock.clearTimeout(t);
  }

  private armHeartbeat(): void {
    const { clock, leaseMs } = this.core.settings;
    const beat = () => {
      this.heartbeatTimer = null;
      if (this.scheduler.state !== 'running') return;
      this.housekeeping.renewLeases();
      this.armHeartbeat();
    };
    this.heartbeatTimer = clock.setTimeout(beat, Math.max(1, Math.floor(leaseMs / 3)));
    this.heartbeatTimer.unref?.();
  }

  private armPoll(): void {
    this.pollTimer = this.core.settings.clock.setTimeout(() => {
      this.pollTimer = null;
      if (this.scheduler.state !== 'running') return;
      this.scheduler.schedule();
      this.armPoll();
    }, this.core.settings.pollMs);
    this.pollTimer.unref?.();
  }

  private armMaintenance(): void {
    this.maintenanceTimer = this.core.settings.clock.setTimeout(() => {
      this.maintenanceTimer = null;
      if (this.scheduler.state !== 'running') return;
      try {
        this.housekeeping.sweepExpiredLeases();
      } catch (err) {
        console.warn('[queue] lease sweep failed', err);
      }
      this.housekeeping.cleanup().catch((err) => console.warn('[queue] retention cleanup failed', err));
      this.armMaintenance();
    }, this.core.settings.retention.intervalMs);
    this.maintenanceTimer.unref?.();
  }
}
