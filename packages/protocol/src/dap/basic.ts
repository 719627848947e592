// DAP-18 basic types (draft-ietf-ppm-dap-18 §4.1): identifiers, roles, report errors,
// HPKE ciphertexts, URLs, times, durations and intervals, and the extension shape.
import { ParamError } from '../errors.js';
import { decodeWith, encodeWith, Reader, Writer, type Codec, describe } from '../codec.js';
import { DecodeError } from '../errors.js';

/** The draft this module implements; used as the domain-separation prefix. */
export const DAP_VERSION = 'dap-18';

/** Byte length of a `ReportID` (draft-ietf-ppm-dap-18 §4.1). */
export const REPORT_ID_LENGTH = 16;
/** Byte length of a `TaskID` (draft-ietf-ppm-dap-18 §4.2). */
export const TASK_ID_LENGTH = 32;
/** Byte length of a `BatchID` (draft-ietf-ppm-dap-18 §5.2). */
export const BATCH_ID_LENGTH = 32;
/** Byte length of the batch checksum in `AggregateShareReq` (draft-ietf-ppm-dap-18 §4.6.4). */
export const CHECKSUM_LENGTH = 32;

/** `Role` codepoints (draft-ietf-ppm-dap-18 §4.1). */
export const Role = {
  collector: 0,
  client: 1,
  leader: 2,
  helper: 3,
} as const;
/** A `Role` value. */
export type Role = (typeof Role)[keyof typeof Role];

/** `ReportError` codepoints (draft-ietf-ppm-dap-18 §4.1, registry §9.2.6). */
export const ReportError = {
  reserved: 0,
  batch_collected: 1,
  report_replayed: 2,
  report_dropped: 3,
  hpke_unknown_config_id: 4,
  hpke_decrypt_error: 5,
  vdaf_verify_error: 6,
  task_expired: 7,
  invalid_message: 8,
  report_too_early: 9,
  task_not_started: 10,
  outdated_config: 11,
} as const;
/**
 * A `ReportError` value on the wire: any uint8. The registry is extensible, so decoders keep
 * values they do not know; {@link reportErrorName} names the registered ones.
 */
export type ReportError = number;

/**
 * Names a report error code.
 *
 * @param code a `ReportError` value
 * @returns its registry name, or `unknown(<code>)`
 * @example reportErrorName(3) // 'report_dropped'
 */
export function reportErrorName(code: number): string {
  for (const [name, value] of Object.entries(ReportError)) if (value === code) return name;
  return `unknown(${code})`;
}

/** `struct { Time start; Duration duration; } Interval`, both counted in `time_precision` units. */
export interface Interval {
  /** Start, in `time_precision` units since the Epoch (draft-ietf-ppm-dap-18 §4.1.1). */
  start: bigint;
  /** Duration, in `time_precision` units (draft-ietf-ppm-dap-18 §4.1.1). */
  duration: bigint;
}

/** `HpkeCiphertext` (draft-ietf-ppm-dap-18 §4.1). */
export interface HpkeCiphertext {
  /** `HpkeConfigId config_id`, uint8. */
  configId: number;
  /** `opaque enc<1..2^16-1>`. */
  enc: Uint8Array;
  /** `opaque payload<1..2^32-1>`. */
  payload: Uint8Array;
}

/**
 * The common shape of report, task, aggregation-job and collection-job extensions:
 * `struct { uint16 extension_type; opaque extension_data<0..2^16-1>; }`.
 */
export interface Extension {
  /** The extension's codepoint, uint16. */
  extensionType: number;
  /** The extension's content. */
  extensionData: Uint8Array;
}

/** Codec of `Interval` (draft-ietf-ppm-dap-18 §4.1.1). */
export const intervalCodec: Codec<Interval> = {
  write(w, v) {
    w.u64(v.start, 'interval.start');
    w.u64(v.duration, 'interval.duration');
  },
  read(r) {
    return { start: r.u64('interval.start'), duration: r.u64('interval.duration') };
  },
};

/** Codec of `HpkeCiphertext` (draft-ietf-ppm-dap-18 §4.1). */
export const hpkeCiphertextCodec: Codec<HpkeCiphertext> = {
  write(w, v) {
    w.u8(v.configId, 'hpke_ciphertext.config_id');
    w.opaque(v.enc, 2, 'hpke_ciphertext.enc', 1); // draft-ietf-ppm-dap-18 §4.1 enc<1..2^16-1>
    w.opaque(v.payload, 4, 'hpke_ciphertext.payload', 1); // draft-ietf-ppm-dap-18 §4.1 <1..2^32-1>
  },
  read(r) {
    return {
      configId: r.u8('config_id'),
      enc: r.opaque(2, 'enc', 1),
      payload: r.opaque(4, 'payload', 1),
    };
  },
};

/** Codec of the extension struct shared by all extension kinds. */
export const extensionCodec: Codec<Extension> = {
  write(w, v) {
    w.u16(v.extensionType, 'extension.extension_type');
    w.opaque(v.extensionData, 2, 'extension.extension_data');
  },
  read(r) {
    return { extensionType: r.u16('extension_type'), extensionData: r.opaque(2, 'extension_data') };
  },
};

/** Codec of `Url`: `opaque Url<1..2^16-1>` holding ASCII bytes (draft-ietf-ppm-dap-18 §4.1). */
export const urlCodec: Codec<string> = {
  write(w, v) {
    w.opaque(urlBytes(v), 2, 'url', 1);
  },
  read(r) {
    const bytes = r.opaque(2, 'url', 1);
    for (const b of bytes) {
      if (b < 0x21 || b > 0x7e) {
        throw new DecodeError(`${r.what}: url: expected printable ASCII, received byte ${b}`);
      }
    }
    return String.fromCharCode(...bytes);
  },
};

/**
 * The bytes of a URL exactly as configured: one byte per character, never parsed or normalised
 * (draft-ietf-ppm-dap-18 §4.1: participants MUST NOT re-encode or otherwise alter a `Url`).
 */
function urlBytes(url: string): Uint8Array {
  if (typeof url !== 'string') {
    throw new ParamError(`url: expected a string, received ${describe(url)}`);
  }
  const out = new Uint8Array(url.length);
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    // RFC 3986 §2: a URI is made of printable ASCII characters only.
    if (c < 0x21 || c > 0x7e) {
      throw new ParamError(`url: expected printable ASCII, received char code ${c} at ${i}`);
    }
    out[i] = c;
  }
  return out;
}

/** A fixed-length opaque codec, for `ReportID`, `TaskID`, `BatchID` and checksums. */
export function fixedCodec(length: number, field: string): Codec<Uint8Array> {
  return {
    write: (w: Writer, v: Uint8Array) => w.fixed(v, length, field),
    read: (r: Reader) => r.fixed(length, field),
  };
}

/** Codec of `opaque ReportID[16]`. */
export const reportIdCodec = fixedCodec(REPORT_ID_LENGTH, 'report_id');
/** Codec of `opaque TaskID[32]`. */
export const taskIdCodec = fixedCodec(TASK_ID_LENGTH, 'task_id');
/** Codec of `opaque BatchID[32]`. */
export const batchIdCodec = fixedCodec(BATCH_ID_LENGTH, 'batch_id');

/**
 * Encodes an `Interval`.
 *
 * @param value start and duration in `time_precision` units
 * @returns the 16-byte encoding
 * @throws {ParamError} when a field is not a uint64
 * @example encodeInterval({ start: 123456789n, duration: 11n })
 */
export function encodeInterval(value: Interval): Uint8Array {
  return encodeWith(intervalCodec, value);
}

/**
 * Decodes an `Interval`.
 *
 * @param bytes exactly 16 bytes
 * @returns the interval
 * @throws {DecodeError} when the input is not exactly one interval
 * @example decodeInterval(encodeInterval({ start: 1n, duration: 1n }))
 */
export function decodeInterval(bytes: Uint8Array): Interval {
  return decodeWith(intervalCodec, bytes, 'Interval');
}

/**
 * Encodes an `HpkeCiphertext`.
 *
 * @param value config id, `enc` (1..2^16-1 bytes) and payload (1..2^32-1 bytes)
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 * @example encodeHpkeCiphertext({ configId: 1, enc: new Uint8Array(32), payload: ct })
 */
export function encodeHpkeCiphertext(value: HpkeCiphertext): Uint8Array {
  return encodeWith(hpkeCiphertextCodec, value);
}

/**
 * Decodes an `HpkeCiphertext`.
 *
 * @param bytes the encoding
 * @returns the ciphertext
 * @throws {DecodeError} when the input is not exactly one ciphertext
 * @example decodeHpkeCiphertext(bytes).configId
 */
export function decodeHpkeCiphertext(bytes: Uint8Array): HpkeCiphertext {
  return decodeWith(hpkeCiphertextCodec, bytes, 'HpkeCiphertext');
}

/**
 * Encodes one extension (report, task, aggregation-job or collection-job: the same layout).
 *
 * @param value type (uint16) and data (0..2^16-1 bytes)
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 * @example encodeExtension({ extensionType: 1, extensionData: new Uint8Array(16) })
 */
export function encodeExtension(value: Extension): Uint8Array {
  return encodeWith(extensionCodec, value);
}

/**
 * Decodes one extension.
 *
 * @param bytes the encoding
 * @returns the extension
 * @throws {DecodeError} when the input is not exactly one extension
 * @example decodeExtension(bytes).extensionType
 */
export function decodeExtension(bytes: Uint8Array): Extension {
  return decodeWith(extensionCodec, bytes, 'Extension');
}

/**
 * Checks the extension-order rule that every DAP-18 extension list shares: each
 * `extension_type` strictly greater than the one before (draft-ietf-ppm-dap-18 §4.2.2, §4.5.1,
 * §4.5.3.4, §4.6.2). Decoders do not enforce it, because the error it raises differs by
 * message.
 *
 * @param extensions a decoded extension list
 * @returns true when the types strictly increase
 * @example extensionsStrictlyIncreasing([{ extensionType: 1, extensionData }]) // true
 */
export function extensionsStrictlyIncreasing(extensions: readonly Extension[]): boolean {
  for (let i = 1; i < extensions.length; i++) {
    if (extensions[i].extensionType <= extensions[i - 1].extensionType) return false;
  }
  return true;
}
