// A first-come, first-served lane for the CPU-bound part of aggregation jobs (HPKE opens and
// VDAF verification). One aggregator instance runs that part of one job at a time, in the order
// the jobs asked for it. On one thread this costs no throughput, but it changes when each job is
// done: with every job in flight sharing the thread, all of them finish together at the end;
// in the lane the first finishes early and moves on (to the Helper, to its commit) while the
// next one is being prepared, which is what lets the Leader and the Helper work at the same time.

/** Runs async tasks one after another, in the order `run` was called. */
export class SerialLane {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /**
   * Runs `fn` once every task queued before it has settled.
   *
   * @param fn - the task.
   * @returns what `fn` returns; its rejection is passed on and does not stop later tasks.
   * @example const opened = await lane.run(() => openAll(shares));
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => void this.queued--,
      () => void this.queued--,
    );
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.queued;
  }
}
