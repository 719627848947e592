// DAP-18 upload messages (draft-ietf-ppm-dap-18 §4.4.2): `ReportMetadata`,
// `PlaintextInputShare`, `Report`, `UploadRequest`, `UploadErrors` and `InputShareAad`.
import {
  extensionCodec,
  hpkeCiphertextCodec,
  reportIdCodec,
  taskIdCodec,
  type Extension,
  type HpkeCiphertext,
} from './basic.js';
import { decodeWith, encodeWith, restCodec, Writer, type Codec } from '../codec.js';
import { taskConfigurationCodec, type TaskConfiguration } from './task-config.js';

/** `ReportMetadata` (draft-ietf-ppm-dap-18 §4.4.2). */
export interface ReportMetadata {
  /** `ReportID report_id`, 16 random bytes. */
  reportId: Uint8Array;
  /** `Time time`, in `time_precision` units since the Epoch. */
  time: bigint;
  /** `Extension public_extensions<0..2^16-1>`. */
  publicExtensions: Extension[];
}

/** `PlaintextInputShare` (draft-ietf-ppm-dap-18 §4.4.2.1). */
export interface PlaintextInputShare {
  /** `Extension private_extensions<0..2^16-1>`. */
  privateExtensions: Extension[];
  /** `opaque payload<1..2^32-1>`: the encoded VDAF input share. */
  payload: Uint8Array;
}

/** `Report` (draft-ietf-ppm-dap-18 §4.4.2). */
export interface Report {
  /** Public metadata. */
  reportMetadata: ReportMetadata;
  /** `opaque public_share<0..2^32-1>`: the encoded VDAF public share. */
  publicShare: Uint8Array;
  /** The Leader's encrypted `PlaintextInputShare`. */
  leaderEncryptedInputShare: HpkeCiphertext;
  /** The Helper's encrypted `PlaintextInputShare`. */
  helperEncryptedInputShare: HpkeCiphertext;
}

/** `ReportUploadStatus` (draft-ietf-ppm-dap-18 §4.4.2.2). */
export interface ReportUploadStatus {
  /** `ReportID id`. */
  id: Uint8Array;
  /** `ReportError error`, uint8 (see `ReportError`). */
  error: number;
}

/** `InputShareAad` (draft-ietf-ppm-dap-18 §4.4.2.1). */
export interface InputShareAad {
  /** `TaskID task_id`. */
  taskId: Uint8Array;
  /** The task configuration, encoded exactly as configured. */
  taskConfiguration: TaskConfiguration;
  /** The report's metadata. */
  reportMetadata: ReportMetadata;
  /** `opaque public_share<0..2^32-1>`. */
  publicShare: Uint8Array;
}

/** Codec of `ReportMetadata`. */
export const reportMetadataCodec: Codec<ReportMetadata> = {
  write(w, v) {
    reportIdCodec.write(w, v.reportId);
    w.u64(v.time, 'report_metadata.time');
    w.vector(v.publicExtensions, extensionCodec, 2, 'public_extensions');
  },
  read(r) {
    return {
      reportId: reportIdCodec.read(r),
      time: r.u64('time'),
      publicExtensions: r.vector(2, extensionCodec, 'public_extensions'),
    };
  },
};

/** Codec of `PlaintextInputShare`. */
export const plaintextInputShareCodec: Codec<PlaintextInputShare> = {
  write(w, v) {
    w.vector(v.privateExtensions, extensionCodec, 2, 'private_extensions');
    w.opaque(v.payload, 4, 'plaintext_input_share.payload', 1);
  },
  read(r) {
    return {
      privateExtensions: r.vector(2, extensionCodec, 'private_extensions'),
      payload: r.opaque(4, 'payload', 1),
    };
  },
};

/** Codec of `Report`. */
export const reportCodec: Codec<Report> = {
  write(w, v) {
    reportMetadataCodec.write(w, v.reportMetadata);
    w.opaque(v.publicShare, 4, 'public_share');
    hpkeCiphertextCodec.write(w, v.leaderEncryptedInputShare);
    hpkeCiphertextCodec.write(w, v.helperEncryptedInputShare);
  },
  read(r) {
    return {
      reportMetadata: reportMetadataCodec.read(r),
      publicShare: r.opaque(4, 'public_share'),
      leaderEncryptedInputShare: hpkeCiphertextCodec.read(r),
      helperEncryptedInputShare: hpkeCiphertextCodec.read(r),
    };
  },
};

/** Codec of `ReportUploadStatus`. */
export const reportUploadStatusCodec: Codec<ReportUploadStatus> = {
  write(w, v) {
    reportIdCodec.write(w, v.id);
    w.u8(v.error, 'report_upload_status.error');
  },
  read(r) {
    return { id: reportIdCodec.read(r), error: r.u8('error') };
  },
};

/** Codec of `UploadRequest`: `Report reports[message_length]`. */
export const uploadRequestCodec = restCodec(reportCodec, 'reports');

/** `Report` with the bytes it was read from (a copy); written from the report alone. */
const reportWithBytesCodec: Codec<{ report: Report; encoded: Uint8Array }> = {
  write(w, v) {
    reportCodec.write(w, v.report);
  },
  read(r) {
    const start = r.position();
    const report = reportCodec.read(r);
    return { report, encoded: r.sliceFrom(start) };
  },
};

const uploadRequestWithBytesCodec = restCodec(reportWithBytesCodec, 'reports');

/** Codec of `UploadErrors`: `ReportUploadStatus status[message_length]`. */
export const uploadErrorsCodec = restCodec(reportUploadStatusCodec, 'status');

/** Codec of `InputShareAad`. */
export const inputShareAadCodec: Codec<InputShareAad> = {
  write(w, v) {
    taskIdCodec.write(w, v.taskId);
    taskConfigurationCodec.write(w, v.taskConfiguration);
    reportMetadataCodec.write(w, v.reportMetadata);
    w.opaque(v.publicShare, 4, 'public_share');
  },
  read(r) {
    return {
      taskId: taskIdCodec.read(r),
      taskConfiguration: taskConfigurationCodec.read(r),
      reportMetadata: reportMetadataCodec.read(r),
      publicShare: r.opaque(4, 'public_share'),
    };
  },
};

/**
 * Encodes `ReportMetadata`.
 *
 * @param value report ID, time and public extensions
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 * @example encodeReportMetadata({ reportId, time: 17419860n, publicExtensions: [] })
 */
export function encodeReportMetadata(value: ReportMetadata): Uint8Array {
  return encodeWith(reportMetadataCodec, value);
}

/**
 * Decodes `ReportMetadata`.
 *
 * @param bytes the encoding
 * @returns the metadata
 * @throws {DecodeError} when the input is not exactly one `ReportMetadata`
 * @example decodeReportMetadata(bytes).time
 */
export function decodeReportMetadata(bytes: Uint8Array): ReportMetadata {
  return decodeWith(reportMetadataCodec, bytes, 'ReportMetadata');
}

/**
 * Encodes a `PlaintextInputShare`.
 *
 * @param value private extensions and the encoded VDAF input share (non-empty)
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 * @example encodePlaintextInputShare({ privateExtensions: [], payload: inputShare })
 */
export function encodePlaintextInputShare(value: PlaintextInputShare): Uint8Array {
  return encodeWith(plaintextInputShareCodec, value);
}

/**
 * Decodes a `PlaintextInputShare`.
 *
 * @param bytes the decrypted bytes
 * @returns the plaintext input share
 * @throws {DecodeError} when the input is not exactly one `PlaintextInputShare`
 * @example decodePlaintextInputShare(bytes).payload
 */
export function decodePlaintextInputShare(bytes: Uint8Array): PlaintextInputShare {
  return decodeWith(plaintextInputShareCodec, bytes, 'PlaintextInputShare');
}

/**
 * Encodes one `Report`.
 *
 * @param value the report
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 * @example encodeReport(report)
 */
export function encodeReport(value: Report): Uint8Array {
  return encodeWith(reportCodec, value);
}

/**
 * Decodes one `Report`.
 *
 * @param bytes the encoding
 * @returns the report
 * @throws {DecodeError} when the input is not exactly one `Report`
 * @example decodeReport(bytes).reportMetadata.reportId
 */
export function decodeReport(bytes: Uint8Array): Report {
  return decodeWith(reportCodec, bytes, 'Report');
}

/**
 * Encodes an `UploadRequest` (media type `upload-req`): the reports back to back, with no
 * length prefix, since the HTTP content length sizes the vector (draft-ietf-ppm-dap-18 §4.4.2).
 *
 * @param reports zero or more reports
 * @returns the request body
 * @throws {ParamError} when a field is out of range
 * @example encodeUploadRequest([report])
 */
export function encodeUploadRequest(reports: readonly Report[]): Uint8Array {
  return encodeWith(uploadRequestCodec, reports as Report[]);
}

/**
 * Decodes an `UploadRequest`: reports until the body ends (draft-ietf-ppm-dap-18 §4.4.2).
 *
 * @param bytes the request body
 * @returns the reports in order
 * @throws {DecodeError} when the body is not a whole number of reports
 * @example decodeUploadRequest(body).length
 */
export function decodeUploadRequest(bytes: Uint8Array): Report[] {
  return decodeWith(uploadRequestCodec, bytes, 'UploadRequest');
}

/**
 * Decodes an `UploadRequest` as {@link decodeUploadRequest} does, and gives each report's own
 * bytes beside it, so that a Leader can store a report as it arrived instead of encoding it
 * again (the encoding is canonical: every field has one encoding, so the bytes are exactly
 * `encodeReport(report)`).
 *
 * @param bytes the request body
 * @returns per report, in order, the decoded report and a copy of its bytes
 * @throws {DecodeError} when the body is not a whole number of reports
 * @example for (const { report, encoded } of decodeUploadRequestEncoded(body)) store(encoded)
 */
export function decodeUploadRequestEncoded(
  bytes: Uint8Array,
): { report: Report; encoded: Uint8Array }[] {
  return decodeWith(uploadRequestWithBytesCodec, bytes, 'UploadRequest');
}

/**
 * Encodes `UploadErrors` (media type `upload-errors`): statuses back to back, sized by the
 * HTTP content length (draft-ietf-ppm-dap-18 §4.4.2.2).
 *
 * @param statuses one status per failed report, in request order
 * @returns the response body
 * @throws {ParamError} when a field is out of range
 * @example encodeUploadErrors([{ id: reportId, error: ReportError.report_replayed }])
 */
export function encodeUploadErrors(statuses: readonly ReportUploadStatus[]): Uint8Array {
  return encodeWith(uploadErrorsCodec, statuses as ReportUploadStatus[]);
}

/**
 * Decodes `UploadErrors`.
 *
 * @param bytes the response body
 * @returns the statuses in order
 * @throws {DecodeError} when the body is not a whole number of statuses
 * @example decodeUploadErrors(body)[0].error
 */
export function decodeUploadErrors(bytes: Uint8Array): ReportUploadStatus[] {
  return decodeWith(uploadErrorsCodec, bytes, 'UploadErrors');
}

/**
 * Encodes an `InputShareAad` (draft-ietf-ppm-dap-18 §4.4.2.1), which embeds the encoded task
 * configuration, URLs included byte for byte.
 *
 * @param value task ID, task configuration, report metadata and public share
 * @returns the AAD bytes
 * @throws {ParamError} when a field is out of range
 * @example encodeInputShareAad({ taskId, taskConfiguration, reportMetadata, publicShare })
 */
export function encodeInputShareAad(value: InputShareAad): Uint8Array {
  return encodeWith(inputShareAadCodec, value);
}

/**
 * `InputShareAad` for many reports of one task: `task_id` and the encoded `TaskConfiguration`,
 * the same for every report, are encoded once when the encoder is made; each call adds only the
 * report's metadata and public share. `encode` returns exactly what {@link encodeInputShareAad}
 * returns for the same fields.
 *
 * @example
 * const aads = new InputShareAadEncoder(taskId, taskConfiguration);
 * const aad = aads.encode(report.reportMetadata, report.publicShare);
 */
export class InputShareAadEncoder {
  private readonly head: Uint8Array;

  /**
   * @param taskId the 32-byte task ID
   * @param taskConfiguration the task configuration, as configured
   * @throws {ParamError} when a field is out of range
   */
  constructor(taskId: Uint8Array, taskConfiguration: TaskConfiguration) {
    const w = new Writer();
    taskIdCodec.write(w, taskId);
    taskConfigurationCodec.write(w, taskConfiguration);
    this.head = w.finish();
  }

  /**
   * The AAD of one report.
   *
   * @param reportMetadata the report's metadata
   * @param publicShare the report's public share
   * @returns the encoded `InputShareAad`
   * @throws {ParamError} when a field is out of range
   */
  encode(reportMetadata: ReportMetadata, publicShare: Uint8Array): Uint8Array {
    const w = new Writer();
    w.raw(this.head);
    reportMetadataCodec.write(w, reportMetadata);
    w.opaque(publicShare, 4, 'public_share');
    return w.finish();
  }
}

/**
 * Decodes an `InputShareAad`.
 *
 * @param bytes the AAD bytes
 * @returns the AAD fields
 * @throws {DecodeError} when the input is not exactly one `InputShareAad`
 * @example decodeInputShareAad(aad).taskId
 */
export function decodeInputShareAad(bytes: Uint8Array): InputShareAad {
  return decodeWith(inputShareAadCodec, bytes, 'InputShareAad');
}
