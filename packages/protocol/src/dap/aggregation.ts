// DAP-18 aggregation messages (draft-ietf-ppm-dap-18 §4.5): `ReportShare`, `VerifyInit`,
// `AggregationJobInitReq`, `VerifyResp`, `AggregationJobResp`, `VerifyContinue` and
// `AggregationJobContinueReq`.
import { DecodeError, ParamError } from '../errors.js';
import {
  extensionCodec,
  hpkeCiphertextCodec,
  reportIdCodec,
  type Extension,
  type HpkeCiphertext,
} from './basic.js';
import { decodeWith, describe, encodeWith, restCodec, type Codec } from '../codec.js';
import { reportMetadataCodec, type ReportMetadata } from './report.js';

/** `VerifyRespType` codepoints (draft-ietf-ppm-dap-18 §4.5.3.2). */
export const VerifyRespType = {
  continue: 0,
  finish: 1,
  reject: 2,
} as const;

/** `ReportShare` (draft-ietf-ppm-dap-18 §4.5.3.1). */
export interface ReportShare {
  /** The report's metadata. */
  reportMetadata: ReportMetadata;
  /** `opaque public_share<0..2^32-1>`. */
  publicShare: Uint8Array;
  /** The Helper's encrypted input share. */
  encryptedInputShare: HpkeCiphertext;
}

/** `VerifyInit` (draft-ietf-ppm-dap-18 §4.5.3.1). */
export interface VerifyInit {
  /** The Helper's report share. */
  reportShare: ReportShare;
  /** `opaque payload<1..2^32-1>`: the Leader's first ping-pong message. */
  payload: Uint8Array;
}

/** `AggregationJobInitReq` (draft-ietf-ppm-dap-18 §4.5.3.1). */
export interface AggregationJobInitReq {
  /** `uint8 verification_key_id`. */
  verificationKeyId: number;
  /** `opaque agg_param<0..2^32-1>`. */
  aggParam: Uint8Array;
  /** `AggregationJobExtension extensions<0..2^16-1>`. */
  extensions: Extension[];
  /** `VerifyInit verify_inits[verify_inits_length]`, the rest of the body. */
  verifyInits: VerifyInit[];
}

/** `VerifyResp` (draft-ietf-ppm-dap-18 §4.5.3.2), one variant per `VerifyRespType`. */
export type VerifyResp =
  | { reportId: Uint8Array; type: 'continue'; payload: Uint8Array }
  | { reportId: Uint8Array; type: 'finish' }
  | { reportId: Uint8Array; type: 'reject'; reportError: number };

/** `VerifyContinue` (draft-ietf-ppm-dap-18 §4.5.4.1). */
export interface VerifyContinue {
  /** `ReportID report_id`. */
  reportId: Uint8Array;
  /** `opaque payload<1..2^32-1>`: the Leader's next ping-pong message. */
  payload: Uint8Array;
}

/** `AggregationJobContinueReq` (draft-ietf-ppm-dap-18 §4.5.4.1). */
export interface AggregationJobContinueReq {
  /** `uint16 step`, at least 1 when sent (the Helper rejects 0). */
  step: number;
  /** `VerifyContinue verify_continues[verify_continues_length]`, the rest of the body. */
  verifyContinues: VerifyContinue[];
}

/** Codec of `ReportShare`. */
export const reportShareCodec: Codec<ReportShare> = {
  write(w, v) {
    reportMetadataCodec.write(w, v.reportMetadata);
    w.opaque(v.publicShare, 4, 'public_share');
    hpkeCiphertextCodec.write(w, v.encryptedInputShare);
  },
  read(r) {
    return {
      reportMetadata: reportMetadataCodec.read(r),
      publicShare: r.opaque(4, 'public_share'),
      encryptedInputShare: hpkeCiphertextCodec.read(r),
    };
  },
};

/** Codec of `VerifyInit`. */
export const verifyInitCodec: Codec<VerifyInit> = {
  write(w, v) {
    reportShareCodec.write(w, v.reportShare);
    w.opaque(v.payload, 4, 'verify_init.payload', 1);
  },
  read(r) {
    return { reportShare: reportShareCodec.read(r), payload: r.opaque(4, 'payload', 1) };
  },
};

/** Codec of `AggregationJobInitReq`. */
export const aggregationJobInitReqCodec: Codec<AggregationJobInitReq> = {
  write(w, v) {
    w.u8(v.verificationKeyId, 'verification_key_id');
    w.opaque(v.aggParam, 4, 'agg_param');
    w.vector(v.extensions, extensionCodec, 2, 'extensions');
    restCodec(verifyInitCodec, 'verify_inits').write(w, v.verifyInits);
  },
  read(r) {
    return {
      verificationKeyId: r.u8('verification_key_id'),
      aggParam: r.opaque(4, 'agg_param'),
      extensions: r.vector(2, extensionCodec, 'extensions'),
      // draft-ietf-ppm-dap-18 §4.5.3.1: the remainder of the HTTP message is verify_inits.
      // Spec: the length formula there omits the 1-byte verification_key_id; we read every
      // byte after the extensions as verify_inits.
      verifyInits: r.rest(verifyInitCodec),
    };
  },
};

/** Codec of `VerifyResp`. */
export const verifyRespCodec: Codec<VerifyResp> = {
  write(w, v) {
    reportIdCodec.write(w, v.reportId);
    switch (v.type) {
      case 'continue':
        w.u8(VerifyRespType.continue, 'verify_resp_type');
        w.opaque(v.payload, 4, 'verify_resp.payload', 1);
        break;
      case 'finish':
        w.u8(VerifyRespType.finish, 'verify_resp_type'); // draft-ietf-ppm-dap-18 §4.5.3.2: Empty
        break;
      case 'reject':
        w.u8(VerifyRespType.reject, 'verify_resp_type');
        w.u8(v.reportError, 'verify_resp.report_error');
        break;
      default:
        throw new ParamError(
          `verify_resp.type: expected continue, finish or reject, received ${describe((v as { type?: unknown }).type)}`,
        );
    }
  },
  read(r) {
    const reportId = reportIdCodec.read(r);
    const type = r.u8('verify_resp_type');
    switch (type) {
      case VerifyRespType.continue:
        return { reportId, type: 'continue', payload: r.opaque(4, 'payload', 1) };
      case VerifyRespType.finish:
        return { reportId, type: 'finish' };
      case VerifyRespType.reject:
        return { reportId, type: 'reject', reportError: r.u8('report_error') };
      default:
        throw new DecodeError(`${r.what}: unknown verify_resp_type ${type}`);
    }
  },
};

/** Codec of `VerifyContinue`. */
export const verifyContinueCodec: Codec<VerifyContinue> = {
  write(w, v) {
    reportIdCodec.write(w, v.reportId);
    w.opaque(v.payload, 4, 'verify_continue.payload', 1);
  },
  read(r) {
    return { reportId: reportIdCodec.read(r), payload: r.opaque(4, 'payload', 1) };
  },
};

/** Codec of `AggregationJobResp`: `VerifyResp verify_resps[message_length]`. */
export const aggregationJobRespCodec = restCodec(verifyRespCodec, 'verify_resps');

/** Codec of `AggregationJobContinueReq`. */
export const aggregationJobContinueReqCodec: Codec<AggregationJobContinueReq> = {
  write(w, v) {
    w.u16(v.step, 'step');
    restCodec(verifyContinueCodec, 'verify_continues').write(w, v.verifyContinues);
  },
  read(r) {
    // draft-ietf-ppm-dap-18 §4.5.4.1: the remainder after `step` is verify_continues.
    return { step: r.u16('step'), verifyContinues: r.rest(verifyContinueCodec) };
  },
};

/**
 * Encodes an `AggregationJobInitReq` (media type `aggregation-job-init-req`).
 *
 * @param value key id, aggregation parameter, extensions and one `VerifyInit` per report
 * @returns the request body
 * @throws {ParamError} when a field is out of range
 * @example encodeAggregationJobInitReq({ verificationKeyId: 0, aggParam, extensions: [], verifyInits })
 */
export function encodeAggregationJobInitReq(value: AggregationJobInitReq): Uint8Array {
  return encodeWith(aggregationJobInitReqCodec, value);
}

/**
 * Decodes an `AggregationJobInitReq`.
 *
 * @param bytes the request body
 * @returns the request
 * @throws {DecodeError} when the body does not decode exactly
 * @example decodeAggregationJobInitReq(body).verifyInits.length
 */
export function decodeAggregationJobInitReq(bytes: Uint8Array): AggregationJobInitReq {
  return decodeWith(aggregationJobInitReqCodec, bytes, 'AggregationJobInitReq');
}

/**
 * Encodes an `AggregationJobResp` (media type `aggregation-job-resp`).
 *
 * @param verifyResps one response per report, in request order
 * @returns the response body
 * @throws {ParamError} when a field is out of range
 * @example encodeAggregationJobResp([{ reportId, type: 'continue', payload }])
 */
export function encodeAggregationJobResp(verifyResps: readonly VerifyResp[]): Uint8Array {
  return encodeWith(aggregationJobRespCodec, verifyResps as VerifyResp[]);
}

/**
 * Decodes an `AggregationJobResp`.
 *
 * @param bytes the response body
 * @returns the responses in order
 * @throws {DecodeError} when the body is not a whole number of `VerifyResp`
 * @example decodeAggregationJobResp(body)[0].type
 */
export function decodeAggregationJobResp(bytes: Uint8Array): VerifyResp[] {
  return decodeWith(aggregationJobRespCodec, bytes, 'AggregationJobResp');
}

/**
 * Encodes an `AggregationJobContinueReq` (media type `aggregation-job-continue-req`).
 *
 * @param value step and one `VerifyContinue` per remaining report
 * @returns the request body
 * @throws {ParamError} when a field is out of range
 * @example encodeAggregationJobContinueReq({ step: 1, verifyContinues })
 */
export function encodeAggregationJobContinueReq(value: AggregationJobContinueReq): Uint8Array {
  return encodeWith(aggregationJobContinueReqCodec, value);
}

/**
 * Decodes an `AggregationJobContinueReq`.
 *
 * @param bytes the request body
 * @returns the request
 * @throws {DecodeError} when the body does not decode exactly
 * @example decodeAggregationJobContinueReq(body).step
 */
export function decodeAggregationJobContinueReq(bytes: Uint8Array): AggregationJobContinueReq {
  return decodeWith(aggregationJobContinueReqCodec, bytes, 'AggregationJobContinueReq');
}
