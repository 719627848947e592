// DAP-18 HPKE configurations (draft-ietf-ppm-dap-18 §4.4.1): `HpkeConfig` and
// `HpkeConfigList`, the body of `GET {aggregator}/hpke_config`.
import { decodeWith, encodeWith, type Codec } from '../codec.js';

/** `HpkeConfig` (draft-ietf-ppm-dap-18 §4.4.1); algorithm ids as in RFC 9180 §7. */
export interface HpkeConfig {
  /** `HpkeConfigId id`, uint8, distinct within a list. */
  id: number;
  /** `HpkeKemId kem_id`, uint16. */
  kemId: number;
  /** `HpkeKdfId kdf_id`, uint16. */
  kdfId: number;
  /** `HpkeAeadId aead_id`, uint16. */
  aeadId: number;
  /** `opaque HpkePublicKey<1..2^16-1>`, the serialized public key (RFC 9180 §4). */
  publicKey: Uint8Array;
}

/** Codec of `HpkeConfig`. */
export const hpkeConfigCodec: Codec<HpkeConfig> = {
  write(w, v) {
    w.u8(v.id, 'hpke_config.id');
    w.u16(v.kemId, 'hpke_config.kem_id');
    w.u16(v.kdfId, 'hpke_config.kdf_id');
    w.u16(v.aeadId, 'hpke_config.aead_id');
    w.opaque(v.publicKey, 2, 'hpke_config.public_key', 1); // draft-ietf-ppm-dap-18 §4.4.1
  },
  read(r) {
    return {
      id: r.u8('id'),
      kemId: r.u16('kem_id'),
      kdfId: r.u16('kdf_id'),
      aeadId: r.u16('aead_id'),
      publicKey: r.opaque(2, 'public_key', 1),
    };
  },
};

/** Codec of `HpkeConfigList`: `HpkeConfig HpkeConfigList<10..2^16-1>`, prefix kept. */
export const hpkeConfigListCodec: Codec<HpkeConfig[]> = {
  // draft-ietf-ppm-dap-18 §4.4.1: the list is a vector with a 2-byte length prefix, not a
  // body sized by the content length, and holds at least one 10-byte config.
  write: (w, v) => w.vector(v, hpkeConfigCodec, 2, 'hpke_config_list', 10),
  read: (r) => r.vector(2, hpkeConfigCodec, 'hpke_config_list', 10),
};

/**
 * Encodes an `HpkeConfig`.
 *
 * @param config id, algorithm ids and public key
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 * @example encodeHpkeConfig({ id: 1, kemId: 0x20, kdfId: 1, aeadId: 1, publicKey })
 */
export function encodeHpkeConfig(config: HpkeConfig): Uint8Array {
  return encodeWith(hpkeConfigCodec, config);
}

/**
 * Decodes an `HpkeConfig`.
 *
 * @param bytes the encoding
 * @returns the configuration
 * @throws {DecodeError} when the input is not exactly one config
 * @example decodeHpkeConfig(bytes).id
 */
export function decodeHpkeConfig(bytes: Uint8Array): HpkeConfig {
  return decodeWith(hpkeConfigCodec, bytes, 'HpkeConfig');
}

/**
 * Encodes an `HpkeConfigList` (media type `hpke-config-list`), in decreasing preference.
 *
 * @param configs one or more configurations
 * @returns the encoding, starting with its 2-byte length
 * @throws {ParamError} when the list is empty, too long, or a config is out of range
 * @example encodeHpkeConfigList([keypair.config])
 */
export function encodeHpkeConfigList(configs: readonly HpkeConfig[]): Uint8Array {
  return encodeWith(hpkeConfigListCodec, configs as HpkeConfig[]);
}

/**
 * Decodes an `HpkeConfigList`.
 *
 * @param bytes the response body
 * @returns the configurations, in the order given
 * @throws {DecodeError} when the body is not exactly one non-empty list
 * @example decodeHpkeConfigList(body)[0].publicKey
 */
export function decodeHpkeConfigList(bytes: Uint8Array): HpkeConfig[] {
  return decodeWith(hpkeConfigListCodec, bytes, 'HpkeConfigList');
}
