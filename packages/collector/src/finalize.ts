// Collection job finalization (draft-ietf-ppm-dap-18 §4.6.6): check the Leader's answer, open
// both aggregate shares with the AggregateShareAad (§4.6.7), unshard them with the task's VDAF
// and describe the noisy result.
import {
  BatchMode,
  DecodeError,
  HpkeError,
  ParamError as ProtocolParamError,
  Role,
  openAggregateShare,
  taskVdafConfig,
  timeToSeconds,
  type CollectionJobResp,
  type HpkeCiphertext,
  type HpkeKeypair,
  type TaskConfiguration,
} from '@private-measurement/protocol';
import { DecryptError, ResponseError, UnshardError } from './errors.js';
import { checkNoise, noiseSummary, type NoiseSpec, type NoiseSummary } from './noise.js';
import { noiseOffAt, type ReportedNoise } from './reported-noise.js';
import { describeResult, type CollectionResult } from './result.js';
import { vdafForConfig } from './vdaf.js';
import type { CollectorQuery } from './collector.js';

/** The Collector's HPKE configuration and private key. */
export type CollectorHpkeKey = HpkeKeypair;

/** What finalization needs from the Collector's options. */
export interface FinalizeOptions {
  taskId: Uint8Array;
  taskConfiguration: TaskConfiguration;
  hpkeKeys: CollectorHpkeKey[];
  backend?: 'wasm' | 'ts';
  noise?: NoiseSpec;
}

async function open(
  o: FinalizeOptions,
  request: Uint8Array,
  role: typeof Role.leader | typeof Role.helper,
  ciphertext: HpkeCiphertext,
): Promise<Uint8Array> {
  const who = role === Role.leader ? 'leader' : 'helper';
  try {
    // draft-ietf-ppm-dap-18 §4.6.7: OpenBase with "dap-18 aggregate share" || role || 0x00 and
    // the AggregateShareAad over the CollectionJobReq bytes exactly as sent.
    return await openAggregateShare({
      taskId: o.taskId,
      taskConfiguration: o.taskConfiguration,
      collectionJobReq: request,
      role,
      keys: o.hpkeKeys,
      ciphertext,
    });
  } catch (e) {
    const code = e instanceof HpkeError ? e.code : 'HPKE';
    throw new DecryptError(`${who} aggregate share: cannot be opened (${code})`, { cause: e });
  }
}

/** Checks the Leader's answer against the query and the task before any decryption. */
function checkResponse(o: FinalizeOptions, query: CollectorQuery, r: CollectionJobResp): void {
  if (r.reportCount < o.taskConfiguration.minBatchSize) {
    // draft-ietf-ppm-dap-18 §4.6.1: the Leader MUST NOT fulfil a job below min_batch_size.
    throw new ResponseError(
      'BAD_RESPONSE',
      `report_count: expected at least min_batch_size ${o.taskConfiguration.minBatchSize}, ` +
        `received ${r.reportCount}`,
    );
  }
  if (r.reportCount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ResponseError(
      'BAD_RESPONSE',
      `report_count: expected at most 2^53-1, received ${r.reportCount}`,
    );
  }
  if (query.batchMode === 'time_interval') {
    // draft-ietf-ppm-dap-18 §4.6.1: the interval covers the batch's reports, all of which the
    // query's batch interval contains.
    const q = query.batchInterval;
    const end = r.interval.start + r.interval.duration;
    if (r.interval.start < q.start || end > q.start + q.duration) {
      throw new ResponseError(
        'BAD_RESPONSE',
        'interval: expected within the queried batch interval',
      );
    }
  }
}

/**
 * Opens both aggregate shares and unshards them (draft-ietf-ppm-dap-18 §4.6.6, §4.6.7).
 *
 * @param o - task, keys, backend and noise.
 * @param request - the encoded `CollectionJobReq` exactly as sent.
 * @param query - the query of the job.
 * @param response - the Leader's `CollectionJobResp`.
 * @param reportedNoise - the Aggregators' noise labels from the Leader's `pm-dp-noise` header:
 *   an Aggregator that reports noise off is left out of the noise summary.
 * @returns the result with its noise description.
 * @throws {ResponseError} code `BAD_RESPONSE` when the answer contradicts the query or task.
 * @throws {DecryptError} when a share does not open (wrong key, AAD or tampering).
 * @throws {UnshardError} when the shares do not decode or unshard with the task's VDAF.
 */
export async function finalizeCollection(
  o: FinalizeOptions,
  request: Uint8Array,
  query: CollectorQuery,
  response: CollectionJobResp,
  reportedNoise?: ReportedNoise,
): Promise<CollectionResult> {
  checkResponse(o, query, response);

  const leaderBytes = await open(o, request, Role.leader, response.leaderEncryptedAggShare);
  const helperBytes = await open(o, request, Role.helper, response.helperEncryptedAggShare);

  let vdafConfig;
  let vdaf;
  try {
    vdafConfig = taskVdafConfig(o.taskConfiguration);
    vdaf = vdafForConfig(vdafConfig, o.backend);
  } catch (e) {
    throw new UnshardError(
      `vdaf: the task's configuration cannot be used: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  let aggregate: bigint | bigint[];
  try {
    const shares = [vdaf.decodeAggShare(leaderBytes), vdaf.decodeAggShare(helperBytes)];
    // draft-ietf-ppm-dap-18 §4.6.6: unshard(agg_param, [leader, helper], report_count).
    aggregate = vdaf.unshard(shares, Number(response.reportCount));
  } catch (e) {
    if (e instanceof DecodeError || e instanceof ProtocolParamError) {
      throw new UnshardError(`aggregate share: ${e.message}`, { cause: e });
    }
    throw e;
  }

  const tp = o.taskConfiguration.timePrecision;
  return describeResult({
    vdaf: vdafConfig.type,
    batchMode:
      query.batchMode === 'time_interval' ? BatchMode.time_interval : BatchMode.leader_selected,
    reportCount: response.reportCount,
    interval: response.interval,
    intervalSeconds: {
      start: timeToSeconds(response.interval.start, tp),
      duration: timeToSeconds(response.interval.duration, tp),
    },
    aggregate,
    modulus: vdaf.field.modulus,
    noise: noiseOf(o.noise, noiseOffAt(reportedNoise)),
    reportedNoise,
    noiseOff: noiseOffAt(reportedNoise),
  });
}

/** The configured noise, counting only the Aggregators that did not report it off. */
function noiseOf(spec: NoiseSpec | undefined, off: string[]): NoiseSummary | undefined {
  if (spec === undefined) return undefined;
  const s = checkNoise(spec);
  const draws = Math.min(s.aggregators, 2 - off.length);
  return draws === 0 ? undefined : noiseSummary({ ...s, aggregators: draws as 1 | 2 });
}
