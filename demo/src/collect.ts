// Collection: the Collector library asks the Leader for the batch, decrypts both aggregate
// shares and unshards them; the noise scale it reports is the aggregators' own calibration.
import { calibrateNoise, NOISE_HEADER } from '@private-measurement/aggregator';
import { Collector, type CollectionResult, type NoiseSpec } from '@private-measurement/collector';
import type { Deployment } from './deployment.js';

/** A collected result and how the aggregators said they noised it. */
export interface Collected {
  result: CollectionResult;
  /**
   * The Leader's `pm-dp-noise` header on the finished job, e.g.
   * `leader=discrete-laplace;epsilon=1, helper=...` or `...=off-for-testing`.
   */
  aggregatorNoise: string | null;
}

/**
 * The noise each aggregator adds for this task: discrete Laplace of scale L1 / epsilon, with
 * L1 = maxValue for Prio3L1BoundSum (the aggregators' calibration, read back here).
 *
 * @param maxValue - the task's maxValue.
 * @param epsilon - the task's epsilon.
 * @param length - the histogram length.
 * @returns the Collector's noise specification.
 */
export function taskNoise(maxValue: number, epsilon: number, length: number): NoiseSpec {
  const params = calibrateNoise(
    { type: 'Prio3L1BoundSum', length, maxValue, chunkLength: 1 },
    { mechanism: 'discrete-laplace', epsilon },
  );
  if (params.mechanism !== 'discrete-laplace') throw new Error('unexpected mechanism');
  return {
    mechanism: 'discrete-laplace',
    scale: Number(params.scale.num) / Number(params.scale.den),
  };
}

/**
 * Collects the Leader's batch of the attribution task.
 *
 * @param d - the deployment (its Leader's drivers must be running).
 * @param noise - the noise to report intervals for, or undefined when it is off.
 * @returns the result and the aggregators' noise statement.
 * @throws {CollectorError} when collection fails (e.g. `invalidBatchSize` below 20 reports).
 */
export async function collectBatch(
  d: Deployment,
  noise: NoiseSpec | undefined,
): Promise<Collected> {
  let aggregatorNoise: string | null = null;
  // Limitation: the Collector library does not surface the pm-dp-noise header, so the demo reads
  // it off the Leader's answers through the fetch it hands to the Collector.
  const observingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const label = res.headers.get(NOISE_HEADER);
    if (label !== null && label !== '') aggregatorNoise = label;
    return res;
  };
  const collector = new Collector({
    taskId: d.task.taskId,
    taskConfiguration: d.task.taskConfiguration,
    authToken: d.collectorToken,
    hpkeKeys: d.collectorKeys,
    ...(noise === undefined ? {} : { noise }),
    fetch: observingFetch,
    poll: { initialDelayMs: 50, minDelayMs: 25, multiplier: 1.5, maxDelayMs: 1000 },
  });
  const result = await collector.collect({ batchMode: 'leader_selected' });
  return { result, aggregatorNoise };
}
