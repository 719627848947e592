// The demo's pipeline: deploy the aggregation service, simulate the population, upload,
// aggregate, collect, then print the table and write the HTML report.
import { writeFileSync } from 'node:fs';
import { aggregateAll } from './aggregate.js';
import { collectBatch, taskNoise } from './collect.js';
import { startDeployment } from './deployment.js';
import { renderHtml } from './html.js';
import { buildMarket } from './model.js';
import type { DemoOptions } from './options.js';
import { prepareOutput } from './output.js';
import { simulatePopulation } from './population.js';
import { progressBars, type ProgressFactory } from './progress.js';
import { bucketRows, formatDemoResult, type DemoResult } from './result.js';
import { uploadAll } from './upload.js';

/** How a run talks to its caller. */
export interface DemoIo {
  /** Receives the printed text. */
  write: (text: string) => void;
  /** Progress bars; default: on when stderr is a terminal. */
  progress?: ProgressFactory;
  /** Test only: the aggregators release their shares without noise. */
  unsafeDisableNoiseForTesting?: boolean;
  /** End of the simulated period, ms; default this hour. */
  anchor?: number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const n = (x: number): string => x.toLocaleString('en-US');

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await run();
  return [value, performance.now() - t0];
}

/**
 * Runs the whole demo.
 *
 * @param options - population size, epsilon, histogram size, seed, output path.
 * @param io - output and progress.
 * @returns the result; the HTML report is at `options.out`.
 * @throws {OutputError} when the report path cannot be written (checked before anything runs).
 * @throws when a step fails (the deployment is closed and its directory removed first).
 * @example await runDemo(parseDemoArgs([]) as DemoOptions, { write: (s) => process.stdout.write(s) });
 */
export async function runDemo(options: DemoOptions, io: DemoIo): Promise<DemoResult> {
  prepareOutput(options.out);
  const bars = io.progress ?? progressBars();
  const noiseOff = io.unsafeDisableNoiseForTesting === true;
  const model = buildMarket(options.histogramSize, options.seed);
  io.write(
    `Private Measurement demo: ${n(options.devices)} devices, ${options.histogramSize} campaigns ` +
      `(buckets), epsilon ${options.epsilon}, seed ${options.seed}\n`,
  );

  const [d, deployMs] = await timed(() =>
    startDeployment({
      histogramSize: options.histogramSize,
      maxValue: model.maxValue,
      epsilon: options.epsilon,
      conversionSite: model.advertiser,
      unsafeDisableNoiseForTesting: noiseOff,
    }),
  );
  const taskId = Buffer.from(d.task.taskId).toString('base64url');
  try {
    const v = d.task.vdaf;
    io.write(
      `[1/5] leader ${d.leaderUrl} and helper ${d.helperUrl}, SQLite in ${d.directory}\n` +
        `      task ${taskId}: Prio3L1BoundSum, length ${v.length}, maxValue ${v.maxValue}, ` +
        `chunk length ${v.chunkLength}, leader-selected batch, min batch size ` +
        `${d.task.taskConfiguration.minBatchSize}` +
        (noiseOff ? ', NOISE OFF (test mode)' : '') +
        '\n',
    );

    let bar = bars('simulate', options.devices);
    const [sim, simulateMs] = await timed(() =>
      simulatePopulation({
        devices: options.devices,
        seed: options.seed,
        model,
        epsilon: options.epsilon,
        serviceUrl: d.serviceUrl,
        service: d.service,
        anchor: io.anchor,
        onProgress: (k) => {
          if (k % 50 === 0 || k === options.devices) bar.update(k);
        },
      }),
    );
    bar.stop();
    io.write(
      `[2/5] ${n(sim.devices)} devices saved ${n(sim.impressions)} impressions on ` +
        `${model.publishers.length} publishers and measured ${n(sim.conversions)} conversions on ` +
        `${model.advertiser} (${seconds(simulateMs)})\n`,
    );

    bar = bars('upload', sim.reports.length);
    const [upload, uploadMs] = await timed(() =>
      uploadAll(d.leaderUrl, d.task.taskId, sim.reports, 250, (k) => bar.update(k)),
    );
    bar.stop();
    io.write(
      `[3/5] uploaded ${n(upload.sent)} reports in ${upload.requests} ` +
        `request${upload.requests === 1 ? '' : 's'}: ` +
        `${n(upload.accepted)} accepted, ${n(upload.sent - upload.accepted)} rejected ` +
        `(${seconds(uploadMs)})\n`,
    );

    bar = bars('aggregate', upload.accepted);
    const [aggregation, aggregateMs] = await timed(() =>
      aggregateAll(d.leader, upload.accepted, (k) => bar.update(k)),
    );
    bar.stop();
    io.write(
      `[4/5] leader and helper verified and added ${n(aggregation.committed)} reports, rejected ` +
        `${n(Object.values(aggregation.rejected).reduce((a, b) => a + b, 0))} ` +
        `(${seconds(aggregateMs)})\n`,
    );

    const noise = noiseOff
      ? undefined
      : taskNoise(model.maxValue, options.epsilon, options.histogramSize);
    d.leader.start();
    const [collected, collectMs] = await timed(() => collectBatch(d, noise));
    await d.leader.stop();
    io.write(
      `[5/5] collected a batch of ${n(Number(collected.result.reportCount))} reports ` +
        `(${seconds(collectMs)})\n\n`,
    );

    const { reports: _reports, ...simulation } = sim;
    const result: DemoResult = {
      options,
      model,
      simulation,
      upload,
      aggregation,
      collected,
      rows: bucketRows(model, sim.trueHistogram, collected),
      taskId,
      timings: {
        deploy: deployMs,
        simulate: simulateMs,
        upload: uploadMs,
        aggregate: aggregateMs,
        collect: collectMs,
      },
    };
    io.write(formatDemoResult(result));
    writeFileSync(options.out, renderHtml(result));
    io.write(`\nHTML report: ${options.out}\n`);
    return result;
  } finally {
    await d.close();
  }
}
