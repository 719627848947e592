// Samples the resident set size of the load run's processes at a fixed period: from
// /proc/PID/status on Linux (the process need not answer), else by asking the process.
import { readFileSync } from 'node:fs';
import type { RssSample } from '../load-figure.js';

/** A process to sample: its ID, and how to ask it where /proc is missing. */
export interface SampledProcess {
  role: string;
  pid: number;
  /** Asks the process for its RSS in bytes (fallback). */
  ask(): Promise<number>;
}

/**
 * Reads one field of /proc/PID/status, in bytes.
 *
 * @param pid - the process.
 * @param field - "VmRSS" or "VmHWM".
 * @returns the value, or undefined where /proc is missing or the process is gone.
 */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]) * 1024;
}

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time a process has used so far, user plus system, from /proc/PID/stat.
 *
 * @param pid - the process.
 * @returns seconds, or undefined where /proc is missing or the process is gone.
 */
export function procCpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: the fields that follow start after its ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : undefined;
}

/** Samples every process every `periodMs` until stopped. */
export class RssSampler {
  private readonly samples = new Map<string, RssSample[]>();
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  /**
   * @param processes - the processes to sample.
   * @param periodMs - the sampling period.
   */
  constructor(
    private readonly processes: readonly SampledProcess[],
    private readonly periodMs = 500,
  ) {
    for (const p of processes) this.samples.set(p.role, []);
  }

  /**
   * CPU seconds each process has used so far (undefined where it cannot be read).
   *
   * @returns by role.
   */
  cpu(): Map<string, number | undefined> {
    return new Map(this.processes.map((p) => [p.role, procCpuSeconds(p.pid)]));
  }

  /** Seconds since the sampler was made, the time base of the samples. */
  now(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Takes a sample of every process now, then every period. */
  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.periodMs);
    this.timer.unref();
  }

  /**
   * Takes a sample of every process now (at a phase boundary, so that even a short phase has
   * samples at its ends); nothing when a sample is already being taken.
   */
  async sampleNow(): Promise<void> {
    await this.sample();
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const t = this.now();
      for (const p of this.processes) {
        const rss = procStatusBytes(p.pid, 'VmRSS') ?? (await p.ask().catch(() => undefined));
        if (rss !== undefined) this.samples.get(p.role)!.push([t, rss]);
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Stops sampling after one last sample.
   *
   * @returns the samples of each process by role, and its high-water mark (0 when unknown).
   */
  async stop(): Promise<Map<string, { samples: RssSample[]; highWater: number }>> {
    clearInterval(this.timer);
    await this.sample();
    const out = new Map<string, { samples: RssSample[]; highWater: number }>();
    for (const p of this.processes) {
      out.set(p.role, {
        samples: this.samples.get(p.role)!,
        highWater: procStatusBytes(p.pid, 'VmHWM') ?? 0,
      });
    }
    return out;
  }
}
