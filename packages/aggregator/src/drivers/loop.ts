// The background loop of both roles: forms aggregation jobs, drives leased aggregation and
// collection jobs, collects garbage when it is due, then sleeps; stop() waits for the pass in
// flight.
import type { AggregatorContext } from '../core/context.js';
import {
  createAggregationJobs,
  driveAggregationJobs,
  settleAggregationJobs,
} from './aggregation.js';
import { driveCollectionJobs } from './collection.js';
import { collectGarbage } from './gc.js';

/**
 * One pass of every job driver.
 *
 * @param wait - `all` (default): the pass returns once the aggregation jobs it leased have
 *   finished their step; `any` (the background loop): see `driveAggregationJobs`.
 * @returns how many jobs each driver created or leased (with `any`, aggregation also counts the
 *   jobs still in flight).
 */
export async function runDriversOnce(
  ctx: AggregatorContext,
  wait: 'all' | 'any' = 'all',
): Promise<{ created: number; aggregation: number; collection: number }> {
  const created = await createAggregationJobs(ctx);
  const aggregation = await driveAggregationJobs(ctx, wait);
  const collection = await driveCollectionJobs(ctx);
  return { created, aggregation, collection };
}

/**
 * A timer-driven loop: the job drivers each pass (when `drivers.enabled`), the garbage
 * collector every `gc.intervalMs` (when `gc.enabled`), starting with the first pass.
 */
export class DriverLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastGc = Number.NEGATIVE_INFINITY;

  constructor(private readonly ctx: AggregatorContext) {}

  /** Starts the loop (no effect when running). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private async pass(): Promise<boolean> {
    const { drivers, gc } = this.ctx.settings;
    let busy = false;
    if (drivers.enabled) {
      const r = await runDriversOnce(this.ctx, 'any');
      busy = r.created + r.aggregation + r.collection > 0;
    }
    if (gc.enabled && this.ctx.now() - this.lastGc >= gc.intervalMs) {
      this.lastGc = this.ctx.now();
      try {
        const r = await collectGarbage(this.ctx);
        // A pass cut short by maxBatchesPerPass resumes at once rather than after the interval.
        if (r.unfinished > 0) this.lastGc = Number.NEGATIVE_INFINITY;
      } catch (err) {
        this.ctx.log.error({ err }, 'garbage collection failed');
      }
    }
    return busy;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then((busy) => {
          // Busy drivers go again at once; idle ones sleep for the interval.
          this.schedule(busy ? 0 : this.ctx.settings.drivers.intervalMs);
        })
        .catch((err: unknown) => {
          this.ctx.log.error({ err }, 'driver pass failed');
          this.schedule(this.ctx.settings.drivers.intervalMs);
        });
    }, delay);
  }

  /** Stops the loop and waits for the pass and the aggregation jobs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    await settleAggregationJobs(this.ctx);
  }
}
