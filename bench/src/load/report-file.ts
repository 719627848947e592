// The load run's reports on disk: sealed in bounded batches (in worker threads, one per core,
// or in this thread) and written as fixed-size records (every report of one task and VDAF
// encodes to the same length), then read back batch by batch for upload, so that no more than
// a few batches are ever in memory.
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { HpkeConfig } from '@private-measurement/protocol';
import { ReportSealer, type BenchTask, type Variant } from '../aggregator/deployment.js';

/** What generating the reports produced. */
export interface GeneratedReports {
  path: string;
  /** Bytes of one encoded report. */
  recordBytes: number;
  count: number;
  /** The sum of every measurement, bucket by bucket: what the collection must give back. */
  expected: bigint[];
}

/** How to generate the reports. */
export interface GenerateSettings {
  /** The file to write (created or truncated). */
  path: string;
  task: BenchTask;
  leaderConfig: HpkeConfig;
  helperConfig: HpkeConfig;
  /** Report time, in time_precision units. */
  time: bigint;
  /** Reports to write, at least 1. */
  count: number;
  /** Reports per batch (one write, and later one upload request). */
  batch: number;
  /** Worker threads sealing in parallel; 0 seals in this thread. */
  workers: number;
  /** Path of the bundled dist/load/seal-worker.js, when `workers` > 0. */
  workerScript?: string;
  /** Told how many reports are written so far. */
  onProgress?: (written: number) => void;
}

/** What a seal worker is given. */
export interface SealWorkerData {
  pmSealWorker: true;
  variant: string;
  task: Pick<BenchTask, 'taskId' | 'taskConfiguration'>;
  leaderConfig: HpkeConfig;
  helperConfig: HpkeConfig;
  time: bigint;
  path: string;
  recordBytes: number;
  count: number;
  batch: number;
  /** This worker seals batches k with k % stride === offset. */
  offset: number;
  stride: number;
}

/**
 * Seals one batch and adds its measurements to `expected`.
 *
 * @param sealer - the task's sealer.
 * @param variant - the VDAF.
 * @param n - reports in the batch.
 * @param recordBytes - the length every report must have (0: take the first's).
 * @param expected - the running aggregate, updated in place.
 * @returns the records, concatenated, and their length.
 * @throws {Error} when a report encodes to another length.
 */
export async function sealBatch(
  sealer: ReportSealer,
  variant: Variant,
  n: number,
  recordBytes: number,
  expected: bigint[],
): Promise<{ bytes: Buffer; recordBytes: number }> {
  const parts: Uint8Array[] = [];
  let size = recordBytes;
  for (let i = 0; i < n; i++) {
    const m = variant.measurement();
    const report = await sealer.seal(m.value);
    size ||= report.length;
    if (report.length !== size) {
      throw new Error(
        `reports: expected every report to encode to ${size} bytes, received ${report.length}`,
      );
    }
    m.add(expected);
    parts.push(report);
  }
  return { bytes: Buffer.concat(parts), recordBytes: size };
}

/**
 * Seals the batches `offset`, `offset + stride`, ... into their places in the file.
 *
 * @param d - the worker's share of the work.
 * @param variant - the VDAF.
 * @param onBatch - told the size of each batch written.
 * @returns this share's part of the expected aggregate.
 */
export async function sealShare(
  d: Omit<SealWorkerData, 'pmSealWorker' | 'variant'>,
  variant: Variant,
  onBatch: (n: number) => void,
): Promise<bigint[]> {
  const sealer = new ReportSealer({ ...d.task, variant }, d.leaderConfig, d.helperConfig, d.time);
  const expected = Array.from({ length: variant.length }, () => 0n);
  const fd = openSync(d.path, 'r+');
  try {
    const batches = Math.ceil(d.count / d.batch);
    for (let k = d.offset; k < batches; k += d.stride) {
      const n = Math.min(d.batch, d.count - k * d.batch);
      const { bytes } = await sealBatch(sealer, variant, n, d.recordBytes, expected);
      writeSync(fd, bytes, 0, bytes.length, k * d.batch * d.recordBytes);
      onBatch(n);
    }
  } finally {
    closeSync(fd);
  }
  return expected;
}

/**
 * Seals `count` reports of random measurements into the file.
 *
 * @param s - the settings.
 * @returns the file, the record size, the count and the expected aggregate.
 * @throws {Error} when sealing fails or two reports encode to different lengths.
 */
export async function generateReports(s: GenerateSettings): Promise<GeneratedReports> {
  const variant = s.task.variant;
  const sealer = new ReportSealer(s.task, s.leaderConfig, s.helperConfig, s.time);
  // A first report, not written, gives the record size every worker writes at.
  const probe = await sealBatch(
    sealer,
    variant,
    1,
    0,
    Array.from({ length: variant.length }, () => 0n),
  );
  const recordBytes = probe.recordBytes;
  closeSync(openSync(s.path, 'w'));
  const share = {
    task: { taskId: s.task.taskId, taskConfiguration: s.task.taskConfiguration },
    leaderConfig: s.leaderConfig,
    helperConfig: s.helperConfig,
    time: s.time,
    path: s.path,
    recordBytes,
    count: s.count,
    batch: s.batch,
  };
  let written = 0;
  const onBatch = (n: number): void => {
    written += n;
    s.onProgress?.(written);
  };
  let parts: bigint[][];
  if (s.workers <= 0) {
    parts = [await sealShare({ ...share, offset: 0, stride: 1 }, variant, onBatch)];
  } else {
    if (s.workerScript === undefined) throw new Error('workerScript: expected a path with workers');
    parts = await Promise.all(
      Array.from({ length: s.workers }, (_, offset) =>
        runSealWorker(
          s.workerScript!,
          {
            pmSealWorker: true,
            variant: variant.label,
            ...share,
            offset,
            stride: s.workers,
          },
          onBatch,
        ),
      ),
    );
  }
  const expected = Array.from({ length: variant.length }, () => 0n);
  for (const p of parts) p.forEach((v, i) => (expected[i] += v));
  return { path: s.path, recordBytes, count: s.count, expected };
}

function runSealWorker(
  script: string,
  data: SealWorkerData,
  onBatch: (n: number) => void,
): Promise<bigint[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: data });
    let result: bigint[] | undefined;
    worker.on('message', (m: { batch?: number; expected?: bigint[]; error?: string }) => {
      if (m.batch !== undefined) onBatch(m.batch);
      if (m.expected !== undefined) result = m.expected;
      if (m.error !== undefined) reject(new Error(m.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`seal worker: exited with ${code} before finishing`));
    });
  });
}

/** Reads batches of fixed-size records back from a report file, by position. */
export class ReportReader {
  private constructor(
    private readonly handle: FileHandle,
    private readonly generated: GeneratedReports,
  ) {}

  /**
   * Opens a report file written by {@link generateReports}.
   *
   * @param generated - what generating it returned.
   * @returns the reader.
   */
  static async open(generated: GeneratedReports): Promise<ReportReader> {
    return new ReportReader(await open(generated.path, 'r'), generated);
  }

  /**
   * Reads reports [first, first + n) as one upload body.
   *
   * @param first - index of the first report.
   * @param n - how many.
   * @returns the concatenated encoded reports.
   * @throws {Error} when the file is shorter than the range.
   */
  async read(first: number, n: number): Promise<Uint8Array> {
    const size = this.generated.recordBytes;
    const out = new Uint8Array(n * size);
    const { bytesRead } = await this.handle.read(out, 0, out.length, first * size);
    if (bytesRead !== out.length) {
      throw new Error(
        `reports: expected ${out.length} bytes at ${first * size}, read ${bytesRead}`,
      );
    }
    return out;
  }

  /** Closes the file. */
  close(): Promise<void> {
    return this.handle.close();
  }
}
