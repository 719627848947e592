// The Leader's background loop: forms aggregation jobs, drives leased aggregation and collection
// jobs, then sleeps; stop() waits for the pass in flight.
import type { AggregatorContext } from '../core/context.js';
import { createAggregationJobs, driveAggregationJobs } from './aggregation.js';
import { driveCollectionJobs } from './collection.js';

/**
 * One pass of every driver.
 *
 * @returns how many jobs each driver created or leased.
 */
export async function runDriversOnce(
  ctx: AggregatorContext,
): Promise<{ created: number; aggregation: number; collection: number }> {
  const created = await createAggregationJobs(ctx);
  const aggregation = await driveAggregationJobs(ctx);
  const collection = await driveCollectionJobs(ctx);
  return { created, aggregation, collection };
}

/** A timer-driven loop around `runDriversOnce`. */
export class DriverLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly ctx: AggregatorContext) {}

  /** Starts the loop (no effect when running). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = runDriversOnce(this.ctx)
        .then((r) => {
          // Busy drivers go again at once; idle ones sleep for the interval.
          const busy = r.created + r.aggregation + r.collection > 0;
          this.schedule(busy ? 0 : this.ctx.settings.drivers.intervalMs);
        })
        .catch((err: unknown) => {
          this.ctx.log.error({ err }, 'driver pass failed');
          this.schedule(this.ctx.settings.drivers.intervalMs);
        });
    }, delay);
  }

  /** Stops the loop and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }
}
