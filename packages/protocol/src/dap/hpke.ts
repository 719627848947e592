// HPKE (RFC 9180, mode Base) for DAP-18 with the mandatory suite DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-128-GCM (draft-ietf-ppm-dap-18 §7), via @hpke/core on node:crypto, WebCrypto or
// pure-JS primitives, plus the DAP-18 info strings (§4.4.2.1, §4.6.7) and prepared recipient keys.
import {
  Aes128Gcm,
  CipherSuite,
  DhkemX25519HkdfSha256 as NativeDhkemX25519,
  HkdfSha256,
} from '@hpke/core';
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

/**
 * Which primitives HPKE uses under @hpke/core's key schedule: `node` is node:crypto for X25519,
 * HKDF-SHA256 and AES-128-GCM, all synchronous (see hpke-node.ts; Node only); `webcrypto` is
 * @hpke/core's own KEM, KDF and AEAD on the platform's WebCrypto (X25519 native in Node and in
 * current browsers); `js` is @hpke/dhkem-x25519's pure JavaScript X25519 with WebCrypto's KDF
 * and AEAD, for platforms whose WebCrypto lacks X25519.
 */
export type HpkeBackend = 'node' | 'webcrypto' | 'js';

function makeSuite(kem: CipherSuite['kem']): CipherSuite {
  return new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes128Gcm() });
}

/** One seal and open: a platform may lack a primitive, or fail only when it is used. */
async function suiteWorks(s: CipherSuite): Promise<boolean> {
  try {
    const pair = await s.kem.generateKeyPair();
    const probe = new Uint8Array([1, 2, 3]);
    const { ct, enc } = await s.seal({ recipientPublicKey: pair.publicKey }, probe);
    const pt = new Uint8Array(await s.open({ recipientKey: pair, enc }, ct));
    return pt.length === 3 && pt[0] === 1 && pt[1] === 2 && pt[2] === 3;
  } catch {
    return false;
  }
}

async function webcryptoSuite(): Promise<CipherSuite | undefined> {
  if (globalThis.crypto?.subtle === undefined) return undefined;
  const s = makeSuite(new NativeDhkemX25519());
  return (await suiteWorks(s)) ? s : undefined;
}

function runningInNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function nodeSuite(): Promise<CipherSuite | undefined> {
  if (!runningInNode()) return undefined;
  try {
    // Loaded only in Node; browser bundles get hpke-node-absent.ts instead (package.json
    // "browser" map), so they never contain node:crypto.
    const { createNodeHpkeSuite } = await import('./hpke-node.js');
    const s = createNodeHpkeSuite();
    return (await suiteWorks(s)) ? s : undefined;
  } catch {
    return undefined;
  }
}

async function jsSuite(): Promise<CipherSuite> {
  // Loaded only where needed, so platforms with WebCrypto X25519 never evaluate it.
  const { DhkemX25519HkdfSha256 } = await import('@hpke/dhkem-x25519');
  return makeSuite(new DhkemX25519HkdfSha256());
}

interface Backend {
  kind: HpkeBackend;
  suite: CipherSuite;
}

let current: Promise<Backend> | undefined;

async function autoBackend(): Promise<Backend> {
  const node = await nodeSuite();
  if (node !== undefined) return { kind: 'node', suite: node };
  const web = await webcryptoSuite();
  if (web !== undefined) return { kind: 'webcrypto', suite: web };
  return { kind: 'js', suite: await jsSuite() };
}

function backend(): Promise<Backend> {
  current ??= autoBackend();
  return current;
}

function unavailable(choice: 'node' | 'webcrypto'): HpkeError {
  const wanted = choice === 'node' ? 'node:crypto with x25519' : 'webcrypto with x25519';
  return new HpkeError(
    `hpke backend: expected ${wanted}, received a platform without it`,
    'HPKE_UNSUPPORTED_SUITE',
  );
}

/**
 * Chooses the primitives of every later HPKE call. By default (`auto`) the first call probes
 * once, with a seal and an open, and takes the first that works of `node` (only when running in
 * Node), `webcrypto` and `js`. Keys prepared with {@link HpkeRecipientKeys.prepare} keep the
 * implementation they were made with.
 *
 * @param choice `auto`, `node`, `webcrypto` or `js`
 * @returns the implementation now in use
 * @throws {HpkeError} `HPKE_UNSUPPORTED_SUITE` when `node` or `webcrypto` is asked for and the
 *   platform cannot do it (the previous choice stays)
 * @throws {ParamError} for any other choice
 * @example await selectHpkeBackend('js') // e.g. to compare implementations in a test
 */
export async function selectHpkeBackend(choice: HpkeBackend | 'auto'): Promise<HpkeBackend> {
  let chosen: Backend;
  if (choice === 'auto') chosen = await autoBackend();
  else if (choice === 'js') chosen = { kind: 'js', suite: await jsSuite() };
  else if (choice === 'node' || choice === 'webcrypto') {
    const suite = choice === 'node' ? await nodeSuite() : await webcryptoSuite();
    if (suite === undefined) throw unavailable(choice);
    chosen = { kind: choice, suite };
  } else {
    throw new ParamError(
      `hpke backend: expected 'auto', 'node', 'webcrypto' or 'js', received ${describe(choice)}`,
    );
  }
  current = Promise.resolve(chosen);
  return chosen.kind;
}

/**
 * The X25519 implementation HPKE calls use now (probing on first use, see
 * {@link selectHpkeBackend}).
 *
 * @returns `node`, `webcrypto` or `js`
 * @example if ((await hpkeBackend()) === 'js') console.warn('slow X25519');
 */
export async function hpkeBackend(): Promise<HpkeBackend> {
  return (await backend()).kind;
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

async function keypairFrom(
  kem: CipherSuite['kem'],
  id: number,
  pair: CryptoKeyPair,
): Promise<HpkeKeypair> {
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
  const { kem } = (await backend()).suite;
  return keypairFrom(kem, id, await kem.generateKeyPair());
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
  const { kem } = (await backend()).suite;
  return keypairFrom(kem, id, await kem.deriveKeyPair(ikm));
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
  const s = (await backend()).suite;
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

/** A recipient key made ready for opening, or why it cannot open. */
type PreparedKey =
  | { configId: number; pair: CryptoKeyPair }
  | { configId: number; failure: 'HPKE_UNSUPPORTED_SUITE' | 'HPKE_KEY' };

/**
 * A recipient's HPKE key pairs imported once into the HPKE implementation, so that opening many
 * ciphertexts (an aggregation job's input shares) deserializes no key per ciphertext. Build it
 * with {@link HpkeRecipientKeys.prepare} and pass it wherever key pairs are accepted. A key that
 * is malformed or of another suite does not stop the others: opening with it fails.
 *
 * @example
 * const keys = await HpkeRecipientKeys.prepare(keypairs);
 * const pts = await Promise.all(cts.map((ct) => hpkeOpen(keys, info, aad, ct)));
 */
export class HpkeRecipientKeys {
  private constructor(
    private readonly suite: CipherSuite,
    private readonly byId: ReadonlyMap<number, PreparedKey>,
  ) {}

  /**
   * Imports key pairs; when several share a config id, the first is used, as in
   * {@link hpkeOpen}.
   *
   * @param keys a key pair or a list of them (the list may be empty)
   * @returns the prepared keys, bound to the implementation in use now
   * @throws {ParamError} when `keys` is not a key pair or a list of key pairs
   * @example await HpkeRecipientKeys.prepare([current, previous])
   */
  static async prepare(keys: HpkeKeypair | readonly HpkeKeypair[]): Promise<HpkeRecipientKeys> {
    const list: readonly unknown[] = Array.isArray(keys) ? keys : [keys];
    const { suite } = await backend();
    const byId = new Map<number, PreparedKey>();
    for (const [i, k] of list.entries()) {
      if (!isKeypair(k)) {
        throw new ParamError(
          `hpke keys[${i}]: expected { config, privateKey }, received ${describe(k)}`,
        );
      }
      if (byId.has(k.config.id)) continue;
      byId.set(k.config.id, await prepareKey(suite, k));
    }
    return new HpkeRecipientKeys(suite, byId);
  }

  /** The config ids these keys can be asked to open, in the order given. */
  get configIds(): number[] {
    return [...this.byId.keys()];
  }

  /**
   * `OpenBase` with the key the ciphertext's config id names; see {@link hpkeOpen}.
   *
   * @param info the application info string
   * @param aad the associated data
   * @param ciphertext the `HpkeCiphertext`
   * @returns the plaintext
   * @throws {HpkeError} as {@link hpkeOpen}
   */
  async open(info: Uint8Array, aad: Uint8Array, ciphertext: HpkeCiphertext): Promise<Uint8Array> {
    const key = this.byId.get(ciphertext.configId);
    if (key === undefined) {
      throw new HpkeError(
        `hpke ciphertext: unknown config id ${ciphertext.configId}`,
        'HPKE_UNKNOWN_CONFIG',
      );
    }
    if ('failure' in key) {
      throw new HpkeError(
        key.failure === 'HPKE_KEY'
          ? `hpke config ${key.configId}: malformed key`
          : `hpke config ${key.configId}: expected kem 0x0020, kdf 0x0001, aead 0x0001`,
        key.failure,
      );
    }
    try {
      // RFC 9180 §6.1 OpenBase; the key pair spares deriving pkR from skR (§4.1 Decap).
      const pt = await this.suite.open(
        { recipientKey: key.pair, enc: ciphertext.enc, info },
        ciphertext.payload,
        aad,
      );
      return new Uint8Array(pt);
    } catch {
      throw new HpkeError(`hpke config ${key.configId}: open failed`, 'HPKE_OPEN');
    }
  }
}

function isKeypair(k: unknown): k is HpkeKeypair {
  if (typeof k !== 'object' || k === null) return false;
  const { config, privateKey } = k as Partial<HpkeKeypair>;
  return (
    typeof config === 'object' &&
    config !== null &&
    Number.isInteger(config.id) &&
    config.publicKey instanceof Uint8Array &&
    privateKey instanceof Uint8Array
  );
}

async function prepareKey(suite: CipherSuite, k: HpkeKeypair): Promise<PreparedKey> {
  const configId = k.config.id;
  if (!isSupportedHpkeConfig(k.config)) return { configId, failure: 'HPKE_UNSUPPORTED_SUITE' };
  try {
    // pkRm is the published key: the one senders encapsulated to (RFC 9180 §4.1).
    const [privateKey, publicKey] = await Promise.all([
      suite.kem.deserializePrivateKey(k.privateKey),
      suite.kem.deserializePublicKey(k.config.publicKey),
    ]);
    return { configId, pair: { privateKey, publicKey } };
  } catch {
    return { configId, failure: 'HPKE_KEY' };
  }
}

/** Key pairs, or key pairs already prepared for opening. */
export type HpkeOpenKeys = HpkeKeypair | readonly HpkeKeypair[] | HpkeRecipientKeys;

/**
 * `OpenBase(enc, sk, info, aad, ct)` (RFC 9180 §6.1), choosing the key by the ciphertext's
 * config id. To open many ciphertexts, pass {@link HpkeRecipientKeys} prepared once.
 *
 * @param keys the recipient's key pair, all of its key pairs, or those prepared
 * @param info the application info string
 * @param aad the associated data
 * @param ciphertext the `HpkeCiphertext`
 * @returns the plaintext
 * @throws {HpkeError} `HPKE_UNKNOWN_CONFIG` (no key with that id), `HPKE_UNSUPPORTED_SUITE`,
 *   `HPKE_KEY` (malformed private or public key) or `HPKE_OPEN` (wrong key, info or AAD, bad
 *   `enc`, tampered ciphertext)
 * @throws {ParamError} when `keys` is not key pairs
 * @example await hpkeOpen(keypairs, aggregateShareInfo(Role.helper), aad, ciphertext)
 */
export async function hpkeOpen(
  keys: HpkeOpenKeys,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: HpkeCiphertext,
): Promise<Uint8Array> {
  if (keys instanceof HpkeRecipientKeys) return keys.open(info, aad, ciphertext);
  // One-off open: import only the key the config id names (the first with that id).
  const list: readonly unknown[] = Array.isArray(keys) ? keys : [keys];
  const match = list.find((k) => isKeypair(k) && k.config.id === ciphertext.configId);
  const prepared = await HpkeRecipientKeys.prepare(
    match === undefined ? [] : [match as HpkeKeypair],
  );
  return prepared.open(info, aad, ciphertext);
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
