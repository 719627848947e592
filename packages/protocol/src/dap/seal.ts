// VDAF-agnostic report and aggregate-share encryption for DAP-18: the Client seals both input
// shares (draft-ietf-ppm-dap-18 §4.4.2.1), an Aggregator opens its own (§4.5.3.3), each
// Aggregator seals its aggregate share to the Collector, who opens both (§4.6.7).
import { DecodeError, HpkeError, ParamError } from '../errors.js';
import { ReportError, Role, type Extension, type HpkeCiphertext } from './basic.js';
import { encodeAggregateShareAad } from './collection.js';
import { describe } from '../codec.js';
import type { HpkeConfig } from './hpke-config.js';
import {
  aggregateShareInfo,
  hpkeOpen,
  hpkeSeal,
  inputShareInfo,
  type HpkeOpenKeys,
  type HpkeSealOptions,
} from './hpke.js';
import {
  decodePlaintextInputShare,
  encodeInputShareAad,
  encodePlaintextInputShare,
  InputShareAadEncoder,
  type PlaintextInputShare,
  type Report,
  type ReportMetadata,
} from './report.js';
import type { TaskConfiguration } from './task-config.js';

/** Parameters of {@link sealReport}; the VDAF shares arrive already encoded. */
export interface SealReportParams {
  /** The 32-byte task ID. */
  taskId: Uint8Array;
  /** The task configuration, as configured (it enters the AAD). */
  taskConfiguration: TaskConfiguration;
  /** The Leader's chosen HPKE configuration. */
  leaderHpkeConfig: HpkeConfig;
  /** The Helper's chosen HPKE configuration. */
  helperHpkeConfig: HpkeConfig;
  /** The report ID that was the nonce of `shard` (see `generateReportId`). */
  reportId: Uint8Array;
  /** The report time, in `time_precision` units (see `currentTime`). */
  time: bigint;
  /** Public report extensions, in increasing type order. */
  publicExtensions?: Extension[];
  /** The encoded VDAF public share. */
  publicShare: Uint8Array;
  /** The encoded VDAF input share of the Leader (the first of `shard`). */
  leaderInputShare: Uint8Array;
  /** The encoded VDAF input share of the Helper (the second of `shard`). */
  helperInputShare: Uint8Array;
  /** Private extensions for the Leader. */
  leaderPrivateExtensions?: Extension[];
  /** Private extensions for the Helper. */
  helperPrivateExtensions?: Extension[];
  /** HPKE options for known-answer tests (one per recipient); leave unset otherwise. */
  hpke?: { leader?: HpkeSealOptions; helper?: HpkeSealOptions };
}

/**
 * Builds a `Report`: wraps each input share in a `PlaintextInputShare` and seals it to its
 * Aggregator with info "dap-18 input share" || 0x01 || server_role and the `InputShareAad`
 * (draft-ietf-ppm-dap-18 §4.4.2.1).
 *
 * @param params see {@link SealReportParams}
 * @returns the report, ready for `encodeUploadRequest`
 * @throws {ParamError} when a field is out of range
 * @throws {HpkeError} when a configuration is unsupported or malformed
 * @example
 * const reportId = generateReportId();
 * const ctx = vdafContext(taskId);
 * const { publicShare, inputShares } = prio3.shard(ctx, measurement, reportId, rand);
 * const report = await sealReport({ taskId, taskConfiguration, leaderHpkeConfig, helperHpkeConfig,
 *   reportId, time: currentTime(taskConfiguration.timePrecision), publicShare,
 *   leaderInputShare: inputShares[0], helperInputShare: inputShares[1] });
 */
export async function sealReport(params: SealReportParams): Promise<Report> {
  const reportMetadata: ReportMetadata = {
    reportId: params.reportId,
    time: params.time,
    publicExtensions: params.publicExtensions ?? [],
  };

  // draft-ietf-ppm-dap-18 §4.4.2.1: one AAD for both shares, binding the task configuration.
  const aad = encodeInputShareAad({
    taskId: params.taskId,
    taskConfiguration: params.taskConfiguration,
    reportMetadata,
    publicShare: params.publicShare,
  });

  const leaderPlaintext = encodePlaintextInputShare({
    privateExtensions: params.leaderPrivateExtensions ?? [],
    payload: params.leaderInputShare,
  });
  const helperPlaintext = encodePlaintextInputShare({
    privateExtensions: params.helperPrivateExtensions ?? [],
    payload: params.helperInputShare,
  });

  const [leaderEncryptedInputShare, helperEncryptedInputShare] = await Promise.all([
    hpkeSeal(
      params.leaderHpkeConfig,
      inputShareInfo(Role.leader),
      aad,
      leaderPlaintext,
      params.hpke?.leader,
    ),
    hpkeSeal(
      params.helperHpkeConfig,
      inputShareInfo(Role.helper),
      aad,
      helperPlaintext,
      params.hpke?.helper,
    ),
  ]);
  return {
    reportMetadata,
    publicShare: params.publicShare,
    leaderEncryptedInputShare,
    helperEncryptedInputShare,
  };
}

/** Parameters of {@link openInputShare}. */
export interface OpenInputShareParams {
  /** The 32-byte task ID. */
  taskId: Uint8Array;
  /** The task configuration, as configured. */
  taskConfiguration: TaskConfiguration;
  /** The opening Aggregator's role, `Role.leader` or `Role.helper`. */
  role: Role;
  /**
   * The Aggregator's HPKE key pairs (best prepared once with `HpkeRecipientKeys.prepare`); the
   * ciphertext's config id selects one.
   */
  keys: HpkeOpenKeys;
  /** The report's metadata. */
  reportMetadata: ReportMetadata;
  /** The report's public share. */
  publicShare: Uint8Array;
  /** This Aggregator's encrypted input share. */
  encryptedInputShare: HpkeCiphertext;
}

/**
 * Decrypts and decodes an Aggregator's `PlaintextInputShare` (draft-ietf-ppm-dap-18 §4.5.3.3).
 * Use {@link inputShareReportError} to turn a failure into the report error to record.
 *
 * @param params see {@link OpenInputShareParams}
 * @returns the plaintext input share (private extensions and the encoded VDAF input share)
 * @throws {HpkeError} when no key matches or decryption fails
 * @throws {DecodeError} when the plaintext is not a `PlaintextInputShare`
 * @throws {ParamError} when a parameter is out of range
 * @example await openInputShare({ taskId, taskConfiguration, role: Role.helper, keys,
 *   reportMetadata, publicShare, encryptedInputShare })
 */
export async function openInputShare(params: OpenInputShareParams): Promise<PlaintextInputShare> {
  return new InputShareOpener(params.taskId, params.taskConfiguration, params.role).open(params);
}

/**
 * {@link openInputShare} for the many input shares one Aggregator opens in one task: the fixed
 * start of every AAD (`task_id` and the encoded `TaskConfiguration`) and the role's info string
 * are encoded once, when the opener is made.
 *
 * @example
 * const opener = new InputShareOpener(taskId, taskConfiguration, Role.helper);
 * const share = await opener.open({ keys, reportMetadata, publicShare, encryptedInputShare });
 */
export class InputShareOpener {
  private readonly aads: InputShareAadEncoder;
  private readonly info: Uint8Array;

  /**
   * @param taskId the 32-byte task ID
   * @param taskConfiguration the task configuration, as configured
   * @param role the opening Aggregator's role, `Role.leader` or `Role.helper`
   * @throws {ParamError} when a parameter is out of range
   */
  constructor(taskId: Uint8Array, taskConfiguration: TaskConfiguration, role: Role) {
    this.aads = new InputShareAadEncoder(taskId, taskConfiguration);
    this.info = inputShareInfo(role);
  }

  /**
   * Decrypts and decodes one `PlaintextInputShare`, as {@link openInputShare} does.
   *
   * @param share the keys, the report's metadata and public share, and the encrypted share
   * @returns the plaintext input share
   * @throws {HpkeError} when no key matches or decryption fails
   * @throws {DecodeError} when the plaintext is not a `PlaintextInputShare`
   * @throws {ParamError} when a field is out of range
   */
  async open(
    share: Pick<
      OpenInputShareParams,
      'keys' | 'reportMetadata' | 'publicShare' | 'encryptedInputShare'
    >,
  ): Promise<PlaintextInputShare> {
    const aad = this.aads.encode(share.reportMetadata, share.publicShare);
    const plaintext = await hpkeOpen(share.keys, this.info, aad, share.encryptedInputShare);
    return decodePlaintextInputShare(plaintext);
  }
}

/**
 * The report error an Aggregator records when {@link openInputShare} fails during aggregation.
 *
 * Spec: §4.5.3.3 maps both an unrecognized config id and a failed decryption to
 * `hpke_decrypt_error` (the registry's `hpke_unknown_config_id` is not used there); we follow
 * §4.5.3.3. A plaintext that does not decode is `invalid_message` (§4.5.3.4).
 *
 * @param error what `openInputShare` threw
 * @returns the `ReportError` code, or undefined when the error is not a per-report failure
 * @example inputShareReportError(e) // ReportError.hpke_decrypt_error
 */
export function inputShareReportError(error: unknown): number | undefined {
  if (error instanceof HpkeError) return ReportError.hpke_decrypt_error;
  if (error instanceof DecodeError) return ReportError.invalid_message;
  return undefined;
}

/** Parameters of {@link sealAggregateShare}. */
export interface SealAggregateShareParams {
  /** The 32-byte task ID. */
  taskId: Uint8Array;
  /** The task configuration, as configured. */
  taskConfiguration: TaskConfiguration;
  /** The Collector's `CollectionJobReq`, the exact bytes it sent. */
  collectionJobReq: Uint8Array;
  /** The sealing Aggregator's role, `Role.leader` or `Role.helper`. */
  role: Role;
  /** The Collector's HPKE configuration. */
  collectorHpkeConfig: HpkeConfig;
  /** The encoded VDAF aggregate share. */
  aggregateShare: Uint8Array;
  /** HPKE options for known-answer tests; leave unset otherwise. */
  hpke?: HpkeSealOptions;
}

/**
 * Seals an aggregate share to the Collector with info "dap-18 aggregate share" || server_role
 * || 0x00 and the `AggregateShareAad` over the Collector's `CollectionJobReq` bytes
 * (draft-ietf-ppm-dap-18 §4.6.7).
 *
 * @param params see {@link SealAggregateShareParams}
 * @returns the encrypted aggregate share
 * @throws {ParamError} when a field is out of range or `collectionJobReq` does not decode
 * @throws {HpkeError} when the Collector's configuration is unsupported or malformed
 * @example await sealAggregateShare({ taskId, taskConfiguration, collectionJobReq,
 *   role: Role.helper, collectorHpkeConfig, aggregateShare })
 */
export async function sealAggregateShare(
  params: SealAggregateShareParams,
): Promise<HpkeCiphertext> {
  const aad = encodeAggregateShareAad({
    taskId: params.taskId,
    taskConfiguration: params.taskConfiguration,
    collectionJobReq: params.collectionJobReq,
  });
  if (!(params.aggregateShare instanceof Uint8Array)) {
    throw new ParamError(
      `aggregate share: expected bytes, received ${describe(params.aggregateShare)}`,
    );
  }
  return hpkeSeal(
    params.collectorHpkeConfig,
    aggregateShareInfo(params.role),
    aad,
    params.aggregateShare,
    params.hpke,
  );
}

/** Parameters of {@link openAggregateShare}. */
export interface OpenAggregateShareParams {
  /** The 32-byte task ID. */
  taskId: Uint8Array;
  /** The task configuration, as configured. */
  taskConfiguration: TaskConfiguration;
  /** The `CollectionJobReq` bytes the Collector sent to create the job. */
  collectionJobReq: Uint8Array;
  /** The role of the Aggregator that sealed the share. */
  role: Role;
  /** The Collector's HPKE key pairs, or those prepared with `HpkeRecipientKeys.prepare`. */
  keys: HpkeOpenKeys;
  /** The encrypted aggregate share from the `CollectionJobResp`. */
  ciphertext: HpkeCiphertext;
}

/**
 * Opens an aggregate share (draft-ietf-ppm-dap-18 §4.6.7).
 *
 * @param params see {@link OpenAggregateShareParams}
 * @returns the encoded VDAF aggregate share
 * @throws {HpkeError} when no key matches or decryption fails
 * @throws {ParamError} when a field is out of range or `collectionJobReq` does not decode
 * @example await openAggregateShare({ taskId, taskConfiguration, collectionJobReq,
 *   role: Role.leader, keys, ciphertext: resp.leaderEncryptedAggShare })
 */
export async function openAggregateShare(params: OpenAggregateShareParams): Promise<Uint8Array> {
  const aad = encodeAggregateShareAad({
    taskId: params.taskId,
    taskConfiguration: params.taskConfiguration,
    collectionJobReq: params.collectionJobReq,
  });
  return hpkeOpen(params.keys, aggregateShareInfo(params.role), aad, params.ciphertext);
}
