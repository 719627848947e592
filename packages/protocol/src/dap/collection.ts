// DAP-18 collection messages (draft-ietf-ppm-dap-18 §4.6): `CollectionJobReq`,
// `CollectionJobResp`, `AggregateShareReq`, `AggregateShare` and `AggregateShareAad`.
import { ParamError } from '../errors.js';
import {
  extensionCodec,
  fixedCodec,
  hpkeCiphertextCodec,
  intervalCodec,
  taskIdCodec,
  CHECKSUM_LENGTH,
  type Extension,
  type HpkeCiphertext,
  type Interval,
} from './basic.js';
import { batchSelectorCodec, queryCodec, type BatchSelector, type Query } from './batch-mode.js';
import {
  decodeWith,
  describe,
  encodeWith,
  type Codec,
  type Reader,
  type Writer,
} from '../codec.js';
import { taskConfigurationCodec, type TaskConfiguration } from './task-config.js';

/** `CollectionJobExtensionType` codepoints (draft-ietf-ppm-dap-18 §4.6.2, registry §9.2.5). */
export const CollectionJobExtensionType = {
  reserved: 0,
} as const;

/** `CollectionJobReq` (draft-ietf-ppm-dap-18 §4.6.1). */
export interface CollectionJobReq {
  /** The Collector's query. */
  query: Query;
  /** `opaque agg_param<0..2^32-1>`. */
  aggParam: Uint8Array;
  /** `CollectionJobExtension extensions<0..2^16-1>`. */
  extensions: Extension[];
}

/** `CollectionJobResp` (draft-ietf-ppm-dap-18 §4.6.1). */
export interface CollectionJobResp {
  /** `uint64 report_count`. */
  reportCount: bigint;
  /** Smallest interval containing every report's time, in `time_precision` units. */
  interval: Interval;
  /** The Leader's aggregate share, encrypted to the Collector. */
  leaderEncryptedAggShare: HpkeCiphertext;
  /** The Helper's aggregate share, encrypted to the Collector. */
  helperEncryptedAggShare: HpkeCiphertext;
}

/**
 * `AggregateShareReq` (draft-ietf-ppm-dap-18 §4.6.4). `collectionJobReq` holds the Collector's
 * `CollectionJobReq` as the exact bytes it sent: the Leader forwards them unchanged and both
 * aggregate-share AADs are computed over them.
 */
export interface AggregateShareReq {
  /** The encoded `CollectionJobReq`, byte for byte as received from the Collector. */
  collectionJobReq: Uint8Array;
  /** The batch selector. */
  batchSelector: BatchSelector;
  /** `uint64 report_count`. */
  reportCount: bigint;
  /** `opaque checksum[32]`. */
  checksum: Uint8Array;
}

/** `AggregateShareAad` (draft-ietf-ppm-dap-18 §4.6.7). */
export interface AggregateShareAad {
  /** `TaskID task_id`. */
  taskId: Uint8Array;
  /** The task configuration, encoded exactly as configured. */
  taskConfiguration: TaskConfiguration;
  /** The encoded `CollectionJobReq`, byte for byte as the Collector sent it. */
  collectionJobReq: Uint8Array;
}

/** Codec of `CollectionJobReq`. */
export const collectionJobReqCodec: Codec<CollectionJobReq> = {
  write(w, v) {
    queryCodec.write(w, v.query);
    w.opaque(v.aggParam, 4, 'agg_param');
    w.vector(v.extensions, extensionCodec, 2, 'extensions');
  },
  read(r) {
    return {
      query: queryCodec.read(r),
      aggParam: r.opaque(4, 'agg_param'),
      extensions: r.vector(2, extensionCodec, 'extensions'),
    };
  },
};

/** Codec of `CollectionJobResp`. */
export const collectionJobRespCodec: Codec<CollectionJobResp> = {
  write(w, v) {
    w.u64(v.reportCount, 'report_count');
    intervalCodec.write(w, v.interval);
    hpkeCiphertextCodec.write(w, v.leaderEncryptedAggShare);
    hpkeCiphertextCodec.write(w, v.helperEncryptedAggShare);
  },
  read(r) {
    return {
      reportCount: r.u64('report_count'),
      interval: intervalCodec.read(r),
      leaderEncryptedAggShare: hpkeCiphertextCodec.read(r),
      helperEncryptedAggShare: hpkeCiphertextCodec.read(r),
    };
  },
};

/** Writes already-encoded `CollectionJobReq` bytes after checking that they are exactly one. */
function writeForwardedCollectionJobReq(w: Writer, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new ParamError(`collection_job_req: expected encoded bytes, received ${describe(bytes)}`);
  }
  try {
    decodeWith(collectionJobReqCodec, bytes, 'CollectionJobReq');
  } catch {
    throw new ParamError('collection_job_req: expected exactly one encoded CollectionJobReq');
  }
  w.raw(bytes); // draft-ietf-ppm-dap-18 §4.6.4: forwarded as the Collector sent it
}

/** Reads a `CollectionJobReq` in place and returns the bytes it spans. */
function readForwardedCollectionJobReq(r: Reader): Uint8Array {
  const start = r.position();
  collectionJobReqCodec.read(r);
  return r.sliceFrom(start);
}

const checksumCodec = fixedCodec(CHECKSUM_LENGTH, 'checksum');

/** Codec of `AggregateShareReq`. */
export const aggregateShareReqCodec: Codec<AggregateShareReq> = {
  write(w, v) {
    writeForwardedCollectionJobReq(w, v.collectionJobReq);
    batchSelectorCodec.write(w, v.batchSelector);
    w.u64(v.reportCount, 'report_count');
    checksumCodec.write(w, v.checksum);
  },
  read(r) {
    return {
      collectionJobReq: readForwardedCollectionJobReq(r),
      batchSelector: batchSelectorCodec.read(r),
      reportCount: r.u64('report_count'),
      checksum: checksumCodec.read(r),
    };
  },
};

/** Codec of `AggregateShare`: `struct { HpkeCiphertext encrypted_aggregate_share; }`. */
export const aggregateShareCodec: Codec<HpkeCiphertext> = hpkeCiphertextCodec;

/** Codec of `AggregateShareAad`. */
export const aggregateShareAadCodec: Codec<AggregateShareAad> = {
  write(w, v) {
    taskIdCodec.write(w, v.taskId);
    taskConfigurationCodec.write(w, v.taskConfiguration);
    writeForwardedCollectionJobReq(w, v.collectionJobReq);
  },
  read(r) {
    return {
      taskId: taskIdCodec.read(r),
      taskConfiguration: taskConfigurationCodec.read(r),
      collectionJobReq: readForwardedCollectionJobReq(r),
    };
  },
};

/**
 * Encodes a `CollectionJobReq` (media type `collection-job-req`).
 *
 * @param value query, aggregation parameter and extensions
 * @returns the request body; keep these bytes, they enter the aggregate-share AAD
 * @throws {ParamError} when a field is out of range
 * @example encodeCollectionJobReq({ query, aggParam: new Uint8Array(0), extensions: [] })
 */
export function encodeCollectionJobReq(value: CollectionJobReq): Uint8Array {
  return encodeWith(collectionJobReqCodec, value);
}

/**
 * Decodes a `CollectionJobReq`.
 *
 * @param bytes the request body
 * @returns the request
 * @throws {DecodeError} when the body does not decode exactly
 * @example decodeCollectionJobReq(body).query.batchMode
 */
export function decodeCollectionJobReq(bytes: Uint8Array): CollectionJobReq {
  return decodeWith(collectionJobReqCodec, bytes, 'CollectionJobReq');
}

/**
 * Encodes a `CollectionJobResp` (media type `collection-job-resp`).
 *
 * @param value report count, interval and both encrypted aggregate shares
 * @returns the response body
 * @throws {ParamError} when a field is out of range
 * @example encodeCollectionJobResp({ reportCount: 1000n, interval, leaderEncryptedAggShare, helperEncryptedAggShare })
 */
export function encodeCollectionJobResp(value: CollectionJobResp): Uint8Array {
  return encodeWith(collectionJobRespCodec, value);
}

/**
 * Decodes a `CollectionJobResp`.
 *
 * @param bytes the response body
 * @returns the response
 * @throws {DecodeError} when the body does not decode exactly
 * @example decodeCollectionJobResp(body).reportCount
 */
export function decodeCollectionJobResp(bytes: Uint8Array): CollectionJobResp {
  return decodeWith(collectionJobRespCodec, bytes, 'CollectionJobResp');
}

/**
 * Encodes an `AggregateShareReq` (media type `aggregate-share-req`).
 *
 * @param value the forwarded `CollectionJobReq` bytes, batch selector, count and checksum
 * @returns the request body
 * @throws {ParamError} when a field is out of range or `collectionJobReq` is not exactly one
 *   encoded `CollectionJobReq`
 * @example encodeAggregateShareReq({ collectionJobReq: bodyFromCollector, batchSelector, reportCount, checksum })
 */
export function encodeAggregateShareReq(value: AggregateShareReq): Uint8Array {
  return encodeWith(aggregateShareReqCodec, value);
}

/**
 * Decodes an `AggregateShareReq`; `collectionJobReq` is returned as the exact bytes it spans.
 *
 * @param bytes the request body
 * @returns the request
 * @throws {DecodeError} when the body does not decode exactly
 * @example decodeCollectionJobReq(decodeAggregateShareReq(body).collectionJobReq)
 */
export function decodeAggregateShareReq(bytes: Uint8Array): AggregateShareReq {
  return decodeWith(aggregateShareReqCodec, bytes, 'AggregateShareReq');
}

/**
 * Encodes an `AggregateShare` (media type `aggregate-share`).
 *
 * @param encryptedAggregateShare the Helper's aggregate share, encrypted to the Collector
 * @returns the response body
 * @throws {ParamError} when a field is out of range
 * @example encodeAggregateShare(ciphertext)
 */
export function encodeAggregateShare(encryptedAggregateShare: HpkeCiphertext): Uint8Array {
  return encodeWith(aggregateShareCodec, encryptedAggregateShare);
}

/**
 * Decodes an `AggregateShare`.
 *
 * @param bytes the response body
 * @returns the encrypted aggregate share
 * @throws {DecodeError} when the body does not decode exactly
 * @example decodeAggregateShare(body).configId
 */
export function decodeAggregateShare(bytes: Uint8Array): HpkeCiphertext {
  return decodeWith(aggregateShareCodec, bytes, 'AggregateShare');
}

/**
 * Encodes an `AggregateShareAad` (draft-ietf-ppm-dap-18 §4.6.7).
 *
 * @param value task ID, task configuration and the Collector's `CollectionJobReq` bytes
 * @returns the AAD bytes
 * @throws {ParamError} when a field is out of range
 * @example encodeAggregateShareAad({ taskId, taskConfiguration, collectionJobReq })
 */
export function encodeAggregateShareAad(value: AggregateShareAad): Uint8Array {
  return encodeWith(aggregateShareAadCodec, value);
}

/**
 * Decodes an `AggregateShareAad`.
 *
 * @param bytes the AAD bytes
 * @returns the AAD fields
 * @throws {DecodeError} when the input does not decode exactly
 * @example decodeAggregateShareAad(aad).taskId
 */
export function decodeAggregateShareAad(bytes: Uint8Array): AggregateShareAad {
  return decodeWith(aggregateShareAadCodec, bytes, 'AggregateShareAad');
}
