// The figures of a load run: throughput per phase, and the resident memory of every process
// sampled over the run, summed up as its peak and its level at 10%, 50% and 90% of the run.

/** One phase of a load run. */
export interface LoadPhase {
  /** "generate" (sealing reports, client work), "upload", "aggregate" or "collect". */
  phase: string;
  /** Wall-clock seconds of the phase. */
  seconds: number;
  /** Reports of the run divided by the phase's seconds. */
  reportsPerSecond: number;
}

/** The resident memory of one process during one phase. */
export interface PhaseMemory {
  /** "upload" or "aggregate". */
  phase: string;
  /** Highest sample in the phase. */
  rssPeak: number;
  /** RSS at 10% and 90% of the phase's duration, bytes: equal when memory is flat. */
  rssAt10: number;
  rssAt90: number;
  /** CPU seconds (user and system) the process used in the phase; absent where unknown. */
  cpuSeconds?: number;
}

/** The resident memory of one process over a load run. */
export interface ProcessMemory {
  /** "runner" (load generator and Collector), "helper", "leader 1", "leader 2". */
  role: string;
  /** RSS samples taken. */
  samples: number;
  /** Highest RSS: the largest sample, or the kernel's high-water mark where it is larger. */
  rssPeak: number;
  /** RSS at 10%, 50% and 90% of the run's duration (upload start to collection end), bytes. */
  rssAt10: number;
  rssAt50: number;
  rssAt90: number;
  /** The same within the upload and the aggregation phases, which have different loads. */
  phases: PhaseMemory[];
  /** At most 40 samples evenly spread over the run: [seconds since upload start, bytes]. */
  series: Array<[number, number]>;
}

/** A whole load run on one store. */
export interface LoadFigure {
  /** e.g. "load Prio3Histogram(16)". */
  name: string;
  group: string;
  suite: string;
  /** `store` (sqlite, postgres), `leaders` (1 or 2) and `reports`. */
  params: Record<string, number | string>;
  reports: number;
  phases: LoadPhase[];
  processes: ProcessMemory[];
  /** HTTP 503 answers the uploads honoured, and the seconds waited as Retry-After asked. */
  backPressure: { retries: number; waitedSeconds: number };
  /** True when the collected report count and aggregate equalled what was uploaded, exactly. */
  exact: boolean;
  /** Why the run failed; phases measured before the failure are kept. */
  error?: string;
  /** Wall-clock seconds of the whole run, setup and clean-up included. */
  elapsed: number;
}

/**
 * A phase on the sampler's clock: its name, [start, end] in seconds, and the CPU seconds each
 * process (by role) used in it, where known.
 */
export type PhaseWindow = [string, [number, number], Map<string, number>?];

/** One RSS sample: seconds since the sampler started, and bytes. */
export type RssSample = [number, number];

/** The sample nearest to a time, or undefined without samples. */
function nearest(samples: readonly RssSample[], t: number): RssSample | undefined {
  let best: RssSample | undefined;
  for (const x of samples)
    if (best === undefined || Math.abs(x[0] - t) < Math.abs(best[0] - t)) best = x;
  return best;
}

/** Samples within [t0, t1]. */
function within(samples: readonly RssSample[], [t0, t1]: [number, number]): RssSample[] {
  return samples.filter(([t]) => t >= t0 && t <= t1);
}

/** RSS at a fraction of a window: the nearest sample inside it, 0 when there is none. */
function levelAt(inside: readonly RssSample[], [t0, t1]: [number, number], f: number): number {
  return nearest(inside, t0 + f * (t1 - t0))?.[1] ?? 0;
}

/**
 * Sums up a process's RSS samples over a window of the run, and over each phase in it.
 *
 * @param role - the process's role.
 * @param samples - its samples, in time order.
 * @param window - [start, end] of the run in the samples' seconds.
 * @param highWater - the kernel's high-water mark (VmHWM) at the end, 0 when unknown.
 * @param phases - the phases, with their [start, end] in the samples' seconds and their CPU use.
 * @returns the summary; zeros where no sample falls in a window.
 */
export function summarizeRss(
  role: string,
  samples: readonly RssSample[],
  window: [number, number],
  highWater = 0,
  phases: ReadonlyArray<PhaseWindow> = [],
): ProcessMemory {
  const inside = within(samples, window);
  const points = Math.min(40, inside.length);
  const series: Array<[number, number]> = [];
  for (let i = 0; i < points; i++) {
    const x = inside[Math.round((i * (inside.length - 1)) / Math.max(1, points - 1))];
    series.push([Math.round((x[0] - window[0]) * 10) / 10, x[1]]);
  }
  const peak = samples.reduce((m, [, rss]) => Math.max(m, rss), 0);
  return {
    role,
    samples: inside.length,
    rssPeak: Math.max(peak, highWater),
    rssAt10: levelAt(inside, window, 0.1),
    rssAt50: levelAt(inside, window, 0.5),
    rssAt90: levelAt(inside, window, 0.9),
    phases: phases.map(([phase, w, cpu]) => {
      const during = within(samples, w);
      const m: PhaseMemory = {
        phase,
        rssPeak: during.reduce((top, [, rss]) => Math.max(top, rss), 0),
        rssAt10: levelAt(during, w, 0.1),
        rssAt90: levelAt(during, w, 0.9),
      };
      const used = cpu?.get(role);
      if (used !== undefined) m.cpuSeconds = Math.round(used * 100) / 100;
      return m;
    }),
    series,
  };
}
