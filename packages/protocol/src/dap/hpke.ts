// HPKE (RFC 9180, mode Base) for DAP-18 with the mandatory suite DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-128-GCM (draft-ietf-ppm-dap-18 §7), via @hpke/core and @hpke/dhkem-x25519,
// plus the DAP-18 application info strings (§4.4.2.1, §4.6.7).
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { HpkeError, ParamError } from '../errors.js';
import { DAP_VERSION, Role, type HpkeCiphertext } from './basic.js';
import { describe } from '../codec.js';
import type { HpkeConfig } from './hpke-config.js';

/** `HpkeKemId` of DHKEM(X25519, HKDF-SHA256) (RFC 9180 §7.1). */
export const HPKE_KEM_X25519_HKDF_SHA256 = 0x0020;
/** `HpkeKdfId` of HKDF-SHA256 (RFC 9180 §7.2). */
export const HPKE_KDF_HKDF_SHA256 = 0x0001;
/** `HpkeAeadId` of AES-128-GCM (RFC 9180 §7.3). */
export const HPKE_AEAD_AES_128_GCM = 0x0001;

/** An aggregator's or collector's HPKE configuration with its private key. */
export interface HpkeKeypair {
  /** The public configuration, as published in an `HpkeConfigList`. */
  config: HpkeConfig;
  /** The serialized X25519 private key (32 bytes, RFC 9180 §7.1.2). Keep it secret. */
  privateKey: Uint8Array;
}

let suiteInstance: CipherSuite | undefined;
function suite(): CipherSuite {
  suiteInstance ??= new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes128Gcm(),
  });
  return suiteInstance;
}

/**
 * Tells whether a configuration uses the suite this module implements.
 *
 * @param config an HPKE configuration
 * @returns true for KEM 0x0020, KDF 0x0001 and AEAD 0x0001
 * @example isSupportedHpkeConfig(list[0])
 */
export function isSupportedHpkeConfig(config: HpkeConfig): boolean {
  return (
    config.kemId === HPKE_KEM_X25519_HKDF_SHA256 &&
    config.kdfId === HPKE_KDF_HKDF_SHA256 &&
    config.aeadId === HPKE_AEAD_AES_128_GCM
  );
}

function requireSupported(config: HpkeConfig): void {
  if (!isSupportedHpkeConfig(config)) {
    throw new HpkeError(
      `hpke config ${config.id}: expected kem 0x0020, kdf 0x0001, aead 0x0001, received ` +
        `kem ${config.kemId}, kdf ${config.kdfId}, aead ${config.aeadId}`,
      'HPKE_UNSUPPORTED_SUITE',
    );
  }
}

/**
 * Picks the first supported configuration of an aggregator's `HpkeConfigList`, which lists them
 * in decreasing preference (draft-ietf-ppm-dap-18 §4.4.1).
 *
 * @param configs the decoded list
 * @returns the preferred supported configuration
 * @throws {HpkeError} `HPKE_UNSUPPORTED_SUITE` when none is supported
 * @example selectHpkeConfig(decodeHpkeConfigList(body))
 */
export function selectHpkeConfig(configs: readonly HpkeConfig[]): HpkeConfig {
  const found = configs.find(isSupportedHpkeConfig);
  if (found === undefined) {
    throw new HpkeError(
      `hpke config list: none of ${configs.length} configs uses a supported suite`,
      'HPKE_UNSUPPORTED_SUITE',
    );
  }
  return found;
}

function checkConfigId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xff) {
    throw new ParamError(`hpke config id: expected an integer in 0..255, received ${describe(id)}`);
  }
}

async function keypairFrom(id: number, pair: CryptoKeyPair): Promise<HpkeKeypair> {
  const kem = suite().kem;
  return {
    config: {
      id,
      kemId: HPKE_KEM_X25519_HKDF_SHA256,
      kdfId: HPKE_KDF_HKDF_SHA256,
      aeadId: HPKE_AEAD_AES_128_GCM,
      publicKey: new Uint8Array(await kem.serializePublicKey(pair.publicKey)),
    },
    privateKey: new Uint8Array(await kem.serializePrivateKey(pair.privateKey)),
  };
}

/**
 * Generates a fresh X25519 key pair and its `HpkeConfig`.
 *
 * @param id the `HpkeConfigId` to publish it under (0..255)
 * @returns the configuration and the private key
 * @throws {ParamError} when `id` is out of range
 * @example const { config, privateKey } = await generateHpkeKeypair(1);
 */
export async function generateHpkeKeypair(id: number): Promise<HpkeKeypair> {
  checkConfigId(id);
  return keypairFrom(id, await suite().kem.generateKeyPair());
}

/**
 * Derives an X25519 key pair deterministically from input keying material (RFC 9180 §7.1.3).
 *
 * @param id the `HpkeConfigId` (0..255)
 * @param ikm at least 32 bytes of secret keying material
 * @returns the configuration and the private key
 * @throws {ParamError} when `id` is out of range or `ikm` is shorter than 32 bytes
 * @example await deriveHpkeKeypair(1, seed)
 */
export async function deriveHpkeKeypair(id: number, ikm: Uint8Array): Promise<HpkeKeypair> {
  checkConfigId(id);
  if (!(ikm instanceof Uint8Array) || ikm.length < 32) {
    throw new ParamError(`ikm: expected at least 32 bytes, received ${describe(ikm)}`);
  }
  return keypairFrom(id, await suite().kem.deriveKeyPair(ikm));
}

/** Options of {@link hpkeSeal}. */
export interface HpkeSealOptions {
  /**
   * Input keying material for the ephemeral key (RFC 9180 §7.1.3), for known-answer tests only:
   * reusing it breaks confidentiality. By default the ephemeral key is fresh.
   */
  ephemeralIkm?: Uint8Array;
}

/**
 * `SealBase(pk, info, aad, pt)` (RFC 9180 §6.1) to an HPKE configuration.
 *
 * @param config the recipient's configuration
 * @param info the application info string
 * @param aad the associated data
 * @param plaintext the message
 * @param options see {@link HpkeSealOptions}
 * @returns the `HpkeCiphertext` with the config id, `enc` and the ciphertext
 * @throws {HpkeError} `HPKE_UNSUPPORTED_SUITE`, `HPKE_KEY` (malformed public key) or `HPKE_SEAL`
 * @example await hpkeSeal(config, inputShareInfo(Role.leader), aad, plaintext)
 */
export async function hpkeSeal(
  config: HpkeConfig,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  options: HpkeSealOptions = {},
): Promise<HpkeCiphertext> {
  requireSupported(config);
  const s = suite();
  let recipientPublicKey: CryptoKey;
  try {
    recipientPublicKey = await s.kem.deserializePublicKey(config.publicKey);
  } catch {
    throw new HpkeError(`hpke config ${config.id}: malformed public key`, 'HPKE_KEY');
  }
  try {
    const ekm =
      options.ephemeralIkm === undefined
        ? undefined
        : await s.kem.deriveKeyPair(options.ephemeralIkm);
    const { ct, enc } = await s.seal({ recipientPublicKey, info, ekm }, plaintext, aad);
    return { configId: config.id, enc: new Uint8Array(enc), payload: new Uint8Array(ct) };
  } catch {
    throw new HpkeError(`hpke config ${config.id}: seal failed`, 'HPKE_SEAL');
  }
}

/**
 * `OpenBase(enc, sk, info, aad, ct)` (RFC 9180 §6.1), choosing the key by the ciphertext's
 * config id.
 *
 * @param keys the recipient's key pair, or all of its key pairs
 * @param info the application info string
 * @param aad the associated data
 * @param ciphertext the `HpkeCiphertext`
 * @returns the plaintext
 * @throws {HpkeError} `HPKE_UNKNOWN_CONFIG` (no key with that id), `HPKE_UNSUPPORTED_SUITE`,
 *   `HPKE_KEY` (malformed private key) or `HPKE_OPEN` (wrong key, info or AAD, bad `enc`,
 *   tampered ciphertext)
 * @example await hpkeOpen(keypairs, aggregateShareInfo(Role.helper), aad, ciphertext)
 */
export async function hpkeOpen(
  keys: HpkeKeypair | readonly HpkeKeypair[],
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: HpkeCiphertext,
): Promise<Uint8Array> {
  const list: readonly HpkeKeypair[] = Array.isArray(keys) ? keys : [keys as HpkeKeypair];
  const keypair = list.find((k) => k.config.id === ciphertext.configId);
  if (keypair === undefined) {
    throw new HpkeError(
      `hpke ciphertext: unknown config id ${ciphertext.configId}`,
      'HPKE_UNKNOWN_CONFIG',
    );
  }
  requireSupported(keypair.config);
  const s = suite();
  let recipientKey: CryptoKey;
  try {
    recipientKey = await s.kem.deserializePrivateKey(keypair.privateKey);
  } catch {
    throw new HpkeError(`hpke config ${keypair.config.id}: malformed private key`, 'HPKE_KEY');
  }
  try {
    const pt = await s.open({ recipientKey, enc: ciphertext.enc, info }, ciphertext.payload, aad);
    return new Uint8Array(pt);
  } catch {
    throw new HpkeError(`hpke config ${keypair.config.id}: open failed`, 'HPKE_OPEN');
  }
}

const encoder = new TextEncoder();

function checkServerRole(role: number): void {
  if (role !== Role.leader && role !== Role.helper) {
    throw new ParamError(
      `server role: expected leader (2) or helper (3), received ${describe(role)}`,
    );
  }
}

/**
 * The info string of input-share encryption: "dap-18 input share" || 0x01 (the Client) ||
 * server_role (draft-ietf-ppm-dap-18 §4.4.2.1, §4.5.3.3).
 *
 * @param serverRole `Role.leader` or `Role.helper`, the recipient
 * @returns the info bytes
 * @throws {ParamError} for any other role
 * @example inputShareInfo(Role.helper)
 */
export function inputShareInfo(serverRole: Role): Uint8Array {
  checkServerRole(serverRole);
  const label = encoder.encode(`${DAP_VERSION} input share`);
  const out = new Uint8Array(label.length + 2);
  out.set(label);
  out[label.length] = Role.client; // draft-ietf-ppm-dap-18 §4.4.2.1: sender role, always 0x01
  out[label.length + 1] = serverRole;
  return out;
}

/**
 * The info string of aggregate-share encryption: "dap-18 aggregate share" || server_role ||
 * 0x00 (the Collector) (draft-ietf-ppm-dap-18 §4.6.7).
 *
 * @param serverRole `Role.leader` or `Role.helper`, the sender
 * @returns the info bytes
 * @throws {ParamError} for any other role
 * @example aggregateShareInfo(Role.leader)
 */
export function aggregateShareInfo(serverRole: Role): Uint8Array {
  checkServerRole(serverRole);
  const label = encoder.encode(`${DAP_VERSION} aggregate share`);
  const out = new Uint8Array(label.length + 2);
  out.set(label);
  out[label.length] = serverRole;
  out[label.length + 1] = Role.collector; // draft-ietf-ppm-dap-18 §4.6.7: recipient, always 0x00
  return out;
}
