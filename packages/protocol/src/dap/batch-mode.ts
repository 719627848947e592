// DAP-18 batch modes (draft-ietf-ppm-dap-18 §5): `BatchMode`, `Query` and `BatchSelector` for
// the time-interval and leader-selected modes, and the `leader_selected_batch_id` extension.
import { DecodeError, ParamError } from '../errors.js';
import { batchIdCodec, intervalCodec, type Extension, type Interval } from './basic.js';
import { decodeWith, describe, encodeWith, Reader, Writer, type Codec } from '../codec.js';

/** `BatchMode` codepoints (draft-ietf-ppm-dap-18 §5, registry §9.2.1). */
export const BatchMode = {
  reserved: 0,
  time_interval: 1,
  leader_selected: 2,
} as const;

/** `AggregationJobExtensionType` codepoints (draft-ietf-ppm-dap-18 §4.5.1, §5.2.2). */
export const AggregationJobExtensionType = {
  reserved: 0,
  leader_selected_batch_id: 1,
} as const;

/**
 * A decoded `Query` (draft-ietf-ppm-dap-18 §4.6.1): the batch mode and its config, whose payload
 * is `TimeIntervalQueryConfig` (§5.1.1) or empty (§5.2.1).
 */
export type Query =
  | { batchMode: typeof BatchMode.time_interval; batchInterval: Interval }
  | { batchMode: typeof BatchMode.leader_selected };

/**
 * A decoded `BatchSelector` (draft-ietf-ppm-dap-18 §4.6.4): `TimeIntervalBatchSelectorConfig`
 * (§5.1.2) or `LeaderSelectedBatchSelectorConfig` (§5.2.3).
 */
export type BatchSelector =
  | { batchMode: typeof BatchMode.time_interval; batchInterval: Interval }
  | { batchMode: typeof BatchMode.leader_selected; batchId: Uint8Array };

/** Writes `struct { BatchMode batch_mode; opaque config<0..2^16-1>; }` around `body`. */
function writeModeAndConfig(w: Writer, batchMode: number, body: (inner: Writer) => void): void {
  w.u8(batchMode, 'batch_mode');
  const inner = new Writer();
  body(inner);
  w.opaque(inner.finish(), 2, 'config');
}

/** Reads the batch mode and a config reader that must be consumed exactly. */
function readModeAndConfig(r: Reader): { batchMode: number; config: Reader } {
  const batchMode = r.u8('batch_mode');
  return { batchMode, config: new Reader(r.opaque(2, 'config'), `${r.what}.config`) };
}

function unknownMode(r: Reader, batchMode: number): never {
  throw new DecodeError(`${r.what}: unsupported batch_mode ${batchMode}`);
}

function checkMode(batchMode: unknown, field: string): never {
  throw new ParamError(`${field}: unsupported batch mode ${describe(batchMode)}`);
}

/** Codec of `Query` for the batch modes of this draft. */
export const queryCodec: Codec<Query> = {
  write(w, v) {
    if (v.batchMode === BatchMode.time_interval) {
      // draft-ietf-ppm-dap-18 §5.1.1: struct { Interval batch_interval; } TimeIntervalQueryConfig
      writeModeAndConfig(w, v.batchMode, (c) => intervalCodec.write(c, v.batchInterval));
    } else if (v.batchMode === BatchMode.leader_selected) {
      writeModeAndConfig(w, v.batchMode, () => {}); // draft-ietf-ppm-dap-18 §5.2.1: empty
    } else {
      checkMode((v as { batchMode?: unknown }).batchMode, 'query');
    }
  },
  read(r) {
    const { batchMode, config } = readModeAndConfig(r);
    let query: Query;
    if (batchMode === BatchMode.time_interval) {
      query = { batchMode, batchInterval: intervalCodec.read(config) };
    } else if (batchMode === BatchMode.leader_selected) {
      query = { batchMode };
    } else {
      unknownMode(r, batchMode);
    }
    config.end();
    return query;
  },
};

/** Codec of `BatchSelector` for the batch modes of this draft. */
export const batchSelectorCodec: Codec<BatchSelector> = {
  write(w, v) {
    if (v.batchMode === BatchMode.time_interval) {
      // draft-ietf-ppm-dap-18 §5.1.2: struct { Interval batch_interval; }
      writeModeAndConfig(w, v.batchMode, (c) => intervalCodec.write(c, v.batchInterval));
    } else if (v.batchMode === BatchMode.leader_selected) {
      // draft-ietf-ppm-dap-18 §5.2.3: struct { BatchID batch_id; }
      writeModeAndConfig(w, v.batchMode, (c) => batchIdCodec.write(c, v.batchId));
    } else {
      checkMode((v as { batchMode?: unknown }).batchMode, 'batch_selector');
    }
  },
  read(r) {
    const { batchMode, config } = readModeAndConfig(r);
    let selector: BatchSelector;
    if (batchMode === BatchMode.time_interval) {
      selector = { batchMode, batchInterval: intervalCodec.read(config) };
    } else if (batchMode === BatchMode.leader_selected) {
      selector = { batchMode, batchId: batchIdCodec.read(config) };
    } else {
      unknownMode(r, batchMode);
    }
    config.end();
    return selector;
  },
};

/**
 * Encodes a `Query`.
 *
 * @param query the collector's query
 * @returns the encoding
 * @throws {ParamError} when the batch mode is unsupported or a field is out of range
 * @example encodeQuery({ batchMode: BatchMode.time_interval, batchInterval })
 */
export function encodeQuery(query: Query): Uint8Array {
  return encodeWith(queryCodec, query);
}

/**
 * Decodes a `Query`.
 *
 * @param bytes the encoding
 * @returns the query
 * @throws {DecodeError} when the mode is unsupported or the input is not exactly one query
 * @example decodeQuery(bytes).batchMode
 */
export function decodeQuery(bytes: Uint8Array): Query {
  return decodeWith(queryCodec, bytes, 'Query');
}

/**
 * Encodes a `BatchSelector`.
 *
 * @param selector the batch selector
 * @returns the encoding
 * @throws {ParamError} when the batch mode is unsupported or a field is out of range
 * @example encodeBatchSelector({ batchMode: BatchMode.leader_selected, batchId })
 */
export function encodeBatchSelector(selector: BatchSelector): Uint8Array {
  return encodeWith(batchSelectorCodec, selector);
}

/**
 * Decodes a `BatchSelector`.
 *
 * @param bytes the encoding
 * @returns the selector
 * @throws {DecodeError} when the mode is unsupported or the input is not exactly one selector
 * @example decodeBatchSelector(bytes).batchMode
 */
export function decodeBatchSelector(bytes: Uint8Array): BatchSelector {
  return decodeWith(batchSelectorCodec, bytes, 'BatchSelector');
}

/**
 * Builds the `leader_selected_batch_id` aggregation job extension (draft-ietf-ppm-dap-18 §5.2.2),
 * which replaces the partial batch selector of earlier drafts.
 *
 * @param batchId the 32-byte batch ID chosen by the Leader
 * @returns the extension
 * @throws {ParamError} when the batch ID is not 32 bytes
 * @example leaderSelectedBatchIdExtension(batchId)
 */
export function leaderSelectedBatchIdExtension(batchId: Uint8Array): Extension {
  return {
    extensionType: AggregationJobExtensionType.leader_selected_batch_id,
    extensionData: encodeWith(batchIdCodec, batchId),
  };
}

/**
 * Finds the batch ID in aggregation job extensions (draft-ietf-ppm-dap-18 §5.2.2).
 *
 * @param extensions `AggregationJobInitReq.extensions`
 * @returns the batch ID, or undefined when the extension is absent
 * @throws {DecodeError} when the extension's data is not exactly a `BatchID`; the Helper then
 *   aborts with `invalidMessage`
 * @example leaderSelectedBatchId(req.extensions)
 */
export function leaderSelectedBatchId(extensions: readonly Extension[]): Uint8Array | undefined {
  const ext = extensions.find(
    (e) => e.extensionType === AggregationJobExtensionType.leader_selected_batch_id,
  );
  return ext === undefined ? undefined : decodeWith(batchIdCodec, ext.extensionData, 'BatchID');
}

/**
 * The time-interval batch bucket of a report (draft-ietf-ppm-dap-18 §5.1.3): the interval of
 * duration 1 (one `time_precision`) that contains the report's time.
 *
 * @param time the report's time in `time_precision` units
 * @returns the bucket identifier
 * @example timeIntervalBucket(1729629n) // { start: 1729629n, duration: 1n }
 */
export function timeIntervalBucket(time: bigint): Interval {
  return { start: time, duration: 1n };
}
