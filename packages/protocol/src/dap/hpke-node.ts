// Node-only primitives for @hpke/core: HKDF-SHA256 on node:crypto HMAC, AES-128-GCM on node:crypto
// ciphers and X25519 on KeyObjects, composed by @hpke/common's Dhkem and @hpke/core's CipherSuite.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import {
  AeadId,
  DeriveKeyPairError,
  DeserializeError,
  Dhkem,
  EMPTY,
  InvalidParamError,
  KEM_USAGES,
  KemId,
  LABEL_DKP_PRK,
  LABEL_SK,
  NotSupportedError,
  SerializeError,
  type AeadEncryptionContext,
  type AeadInterface,
  type DhkemPrimitives,
} from '@hpke/common';

type Bytes = ArrayBufferLike | ArrayBufferView;

/** A view of the bytes of an `ArrayBuffer` or typed array, without copying. */
function view(b: Bytes): Uint8Array {
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(b);
}

/**
 * The `ArrayBuffer` of a freshly made node:crypto output when the output fills it (digests and
 * DH secrets do), else a copy: node Buffers may share a pool.
 */
function freshBuffer(b: Uint8Array): ArrayBuffer {
  if (
    b.byteOffset === 0 &&
    b.byteLength === b.buffer.byteLength &&
    b.buffer instanceof ArrayBuffer
  ) {
    return b.buffer;
  }
  return ownBuffer(b);
}

/** A fresh `ArrayBuffer` holding exactly these bytes (node Buffers may share a pool). */
function ownBuffer(b: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(b.byteLength);
  new Uint8Array(out).set(b);
  return out;
}

const HASH_SIZE = 32;
// RFC 5869 §2.2: an empty salt stands for HashLen zero bytes.
const ZERO_SALT = new Uint8Array(HASH_SIZE);
// RFC 5869 §2.3: the one-byte block counters of Expand, 1 to 255.
const COUNTERS = Uint8Array.from({ length: 256 }, (_, i) => i);

/** HMAC-SHA256(salt or zeros, ikm). */
function extractSync(salt: Uint8Array, ikm: Uint8Array): ArrayBuffer {
  const key = salt.byteLength === 0 ? ZERO_SALT : salt;
  if (key.byteLength !== HASH_SIZE) {
    throw new InvalidParamError(`salt: expected 0 or 32 bytes, received ${salt.byteLength}`);
  }
  return freshBuffer(createHmac('sha256', key).update(ikm).digest());
}

/** T(1) || T(2) || ... truncated to `len` bytes; `len` already checked. */
function expandSync(prk: Uint8Array, info: Uint8Array, len: number): ArrayBuffer {
  // The raw PRK goes to createHmac as it is: a KeyObject made first costs more than it saves,
  // even for the two blocks of the longest output the suite asks for.
  if (len <= HASH_SIZE) {
    // Every length the suite asks for (16, 12 and 32 bytes) is one block: T(1) = HMAC(PRK,
    // info | 0x01).
    const t = createHmac('sha256', prk).update(info).update(COUNTERS.subarray(1, 2)).digest();
    return len === HASH_SIZE ? freshBuffer(t) : ownBuffer(t.subarray(0, len));
  }
  const out = new Uint8Array(len);
  let t: Uint8Array = new Uint8Array(0);
  // RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i).
  for (let i = 1, done = 0; done < len; i++) {
    t = createHmac('sha256', prk)
      .update(t)
      .update(info)
      .update(COUNTERS.subarray(i, i + 1))
      .digest();
    out.set(t.subarray(0, Math.min(t.byteLength, len - done)), done);
    done += t.byteLength;
  }
  return out.buffer;
}

function checkExpandLength(len: number): void {
  // RFC 5869 §2.3: L <= 255 * HashLen.
  if (!Number.isInteger(len) || len < 0 || len > 255 * HASH_SIZE) {
    throw new InvalidParamError(`len: expected an integer in 0..8160, received ${len}`);
  }
}

// RFC 9180 §5.1: the labels of the two key-schedule hashes of public inputs.
const PSK_ID_HASH = new TextEncoder().encode('psk_id_hash');
const INFO_HASH = new TextEncoder().encode('info_hash');
/** How many distinct `psk_id_hash` and `info_hash` inputs one KDF remembers. */
const PUBLIC_HASHES = 32;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * HKDF-SHA256 (RFC 5869) whose `Extract` and `Expand` run synchronously on node:crypto HMAC. The
 * labels and suite ids of RFC 9180 §4 are built by @hpke/core's `HkdfSha256`, which this
 * extends; two of its calls are shortened where the result is known without recomputing it
 * (see `extractAndExpand` and `labeledExtract`).
 *
 * @example new CipherSuite({ kem, kdf: new NodeHkdfSha256(), aead: new NodeAes128Gcm() })
 */
export class NodeHkdfSha256 extends HkdfSha256 {
  /** The `secret` extracted from each live `shared_secret` (see `extractAndExpand`). */
  private readonly secrets = new WeakMap<
    object,
    { salt: Uint8Array; ikm: Uint8Array; prk: Uint8Array }
  >();
  /** Remembered `psk_id_hash` and `info_hash` values (see `labeledExtract`). */
  private readonly publicHashes: Array<{ label: Uint8Array; ikm: Uint8Array; prk: ArrayBuffer }> =
    [];

  /**
   * `Extract(salt, ikm)` = HMAC-SHA256(salt, ikm), an empty salt standing for 32 zero bytes.
   *
   * @param salt the salt: empty or 32 bytes
   * @param ikm the input keying material
   * @returns the 32-byte pseudorandom key
   * @throws {InvalidParamError} when `salt` is neither empty nor 32 bytes
   */
  override async extract(salt: Bytes, ikm: Bytes): Promise<ArrayBuffer> {
    return extractSync(view(salt), view(ikm));
  }

  /**
   * `Expand(prk, info, L)`: T(1) || T(2) || ... truncated to `len` bytes.
   *
   * @param prk the pseudorandom key
   * @param info the context string
   * @param len the output length, at most 255 * 32
   * @returns `len` bytes of output keying material
   * @throws {InvalidParamError} when `len` is out of range
   */
  override async expand(prk: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    checkExpandLength(len);
    return expandSync(view(prk), view(info), len);
  }

  /**
   * `Expand(Extract(salt, ikm), info, len)`, which @hpke/core's key schedule and DHKEM call with
   * their labeled ikm and info already built. The key schedule (RFC 9180 §5.1) calls it three
   * times with the same `shared_secret` and labeled `psk` to expand `key`, `base_nonce` and
   * `exporter_secret` from one `secret`; the `secret` of the first call is kept beside that
   * `shared_secret` object (a WeakMap, so it goes when the schedule drops the shared secret)
   * and reused by the next two when their salt and ikm are the same bytes. An empty salt (DHKEM's
   * `eae_prk`) is never kept.
   *
   * @param salt the salt: empty or 32 bytes
   * @param ikm the input keying material
   * @param info the context string
   * @param len the output length
   * @returns `len` bytes of output keying material
   * @throws {InvalidParamError} as {@link NodeHkdfSha256.extract} and {@link NodeHkdfSha256.expand}
   */
  override async extractAndExpand(
    salt: Bytes,
    ikm: Bytes,
    info: Bytes,
    len: number,
  ): Promise<ArrayBuffer> {
    checkExpandLength(len);
    const s = view(salt);
    const i = view(ikm);
    if (s.byteLength === 0) return expandSync(new Uint8Array(extractSync(s, i)), view(info), len);
    let kept = this.secrets.get(salt);
    // The salt's bytes are compared too: a caller may have rewritten them in place.
    if (kept === undefined || !equalBytes(kept.salt, s) || !equalBytes(kept.ikm, i)) {
      kept = { salt: s.slice(), ikm: i.slice(), prk: new Uint8Array(extractSync(s, i)) };
      this.secrets.set(salt, kept);
    }
    return expandSync(kept.prk, view(info), len);
  }

  /**
   * `LabeledExtract(salt, label, ikm)` of RFC 9180 §4. `psk_id_hash` and `info_hash` (§5.1)
   * depend only on the public `psk_id` and `info`, which are the same for every input share a
   * DAP aggregator opens: those two are remembered (at most 32 distinct inputs) instead of
   * recomputed. Every other label, all of them secret-dependent, is computed each time.
   *
   * @param salt the salt: empty or 32 bytes
   * @param label the RFC 9180 label
   * @param ikm the unlabeled input keying material
   * @returns the 32-byte pseudorandom key (a fresh buffer)
   * @throws {InvalidParamError} when `salt` is neither empty nor 32 bytes
   */
  override async labeledExtract(
    salt: Bytes,
    label: Uint8Array,
    ikm: Uint8Array,
  ): Promise<ArrayBuffer> {
    const s = view(salt);
    const which = publicLabel(label);
    if (s.byteLength !== 0 || which === undefined) {
      return extractSync(s, this.buildLabeledIkm(label, ikm));
    }
    const known = this.publicHashes.find((h) => h.label === which && equalBytes(h.ikm, ikm));
    if (known !== undefined) return known.prk.slice(0);
    const prk = extractSync(s, this.buildLabeledIkm(label, ikm));
    if (this.publicHashes.length >= PUBLIC_HASHES) this.publicHashes.length = 0;
    this.publicHashes.push({ label: which, ikm: ikm.slice(), prk: prk.slice(0) });
    return prk;
  }
}

/** Our constant for `psk_id_hash` or `info_hash` when `label` is one of them. */
function publicLabel(label: Uint8Array): Uint8Array | undefined {
  if (equalBytes(label, PSK_ID_HASH)) return PSK_ID_HASH;
  if (equalBytes(label, INFO_HASH)) return INFO_HASH;
  return undefined;
}

const TAG_SIZE = 16;

/** AES-128-GCM seal and open under one key, on node:crypto ciphers (RFC 9180 §5.2 Seal, Open). */
class NodeAesGcmContext implements AeadEncryptionContext {
  // The raw key, copied: one context opens one input share, so a KeyObject made for it would
  // cost more than it saves.
  private readonly key: Buffer;

  constructor(raw: Bytes) {
    const key = view(raw);
    // RFC 9180 §7.3: Nk = 16 for AES-128-GCM.
    if (key.byteLength !== 16) {
      throw new InvalidParamError(`aead key: expected 16 bytes, received ${key.byteLength}`);
    }
    this.key = Buffer.from(key);
  }

  async seal(iv: Bytes, data: Bytes, aad: Bytes): Promise<ArrayBuffer> {
    const c = createCipheriv('aes-128-gcm', this.key, view(iv), { authTagLength: TAG_SIZE });
    c.setAAD(view(aad));
    const body = c.update(view(data));
    const last = c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(body.byteLength + last.byteLength + TAG_SIZE);
    out.set(body);
    out.set(last, body.byteLength);
    out.set(tag, body.byteLength + last.byteLength);
    return out.buffer;
  }

  async open(iv: Bytes, data: Bytes, aad: Bytes): Promise<ArrayBuffer> {
    const ct = view(data);
    if (ct.byteLength < TAG_SIZE) {
      throw new InvalidParamError(
        `ciphertext: expected at least 16 bytes, received ${ct.byteLength}`,
      );
    }
    const d = createDecipheriv('aes-128-gcm', this.key, view(iv), { authTagLength: TAG_SIZE });
    d.setAAD(view(aad));
    d.setAuthTag(ct.subarray(ct.byteLength - TAG_SIZE));
    const body = d.update(ct.subarray(0, ct.byteLength - TAG_SIZE));
    const last = d.final(); // throws when the tag does not verify
    const out = new Uint8Array(body.byteLength + last.byteLength);
    out.set(body);
    out.set(last, body.byteLength);
    return out.buffer;
  }
}

/**
 * AES-128-GCM (RFC 9180 §7.3, AEAD id 0x0001) for @hpke/core's `CipherSuite`, on node:crypto.
 *
 * @example new CipherSuite({ kem, kdf: new NodeHkdfSha256(), aead: new NodeAes128Gcm() })
 */
export class NodeAes128Gcm implements AeadInterface {
  /** AEAD id 0x0001. */
  readonly id = AeadId.Aes128Gcm;
  /** Nk = 16. */
  readonly keySize = 16;
  /** Nn = 12. */
  readonly nonceSize = 12;
  /** Nt = 16. */
  readonly tagSize = TAG_SIZE;

  /**
   * A seal/open context under one key.
   *
   * @param key the 16-byte key from the key schedule
   * @returns the context
   * @throws {InvalidParamError} when `key` is not 16 bytes
   */
  createEncryptionContext(key: Bytes): AeadEncryptionContext {
    return new NodeAesGcmContext(key);
  }
}

/**
 * An X25519 key held as a node:crypto `KeyObject`, shaped as the `CryptoKey` @hpke/core passes
 * around. The raw public key is kept beside it (DHKEM serializes public keys on every encap and
 * decap); the raw private key is not.
 *
 * @example (await new NodeDhkemX25519HkdfSha256().generateKeyPair()).privateKey // a NodeX25519Key
 */
export class NodeX25519Key implements CryptoKey {
  /** The curve name. */
  readonly algorithm: KeyAlgorithm = { name: 'X25519' };
  /** Always true: @hpke/core serializes keys. */
  readonly extractable = true;
  /** Key usages, as @hpke/common's own X25519 keys have them. */
  readonly usages: KeyUsage[];

  /**
   * @param keyObject the node:crypto key
   * @param type `public` or `private`
   * @param publicRaw the 32-byte public key, for public keys
   */
  constructor(
    readonly keyObject: KeyObject,
    readonly type: 'public' | 'private',
    readonly publicRaw?: Uint8Array,
  ) {
    this.usages = type === 'private' ? [...KEM_USAGES] : [];
  }
}

const KEY_SIZE = 32;
/** Longest run of this thread's synchronous HPKE work between two event-loop turns, ms. */
const TURN_EVERY_MS = 1;
/** When `dh` last let the event loop turn (`performance.now()`), in this thread. */
let lastTurn = Number.NEGATIVE_INFINITY;
/** The turn that the opens and seals in flight are waiting for, if any. */
let pendingTurn: Promise<void> | undefined;

function asNodeKey(key: CryptoKey, type: 'public' | 'private'): NodeX25519Key {
  if (!(key instanceof NodeX25519Key) || key.type !== type) {
    throw new InvalidParamError(`key: expected a node x25519 ${type} key`);
  }
  return key;
}

function publicFromRaw(raw: Uint8Array): NodeX25519Key {
  if (raw.byteLength !== KEY_SIZE) {
    throw new InvalidParamError(`public key: expected 32 bytes, received ${raw.byteLength}`);
  }
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  // A JWK import skips OpenSSL's DER decoder, several times faster for one key.
  const keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
  return new NodeX25519Key(keyObject, 'public', raw.slice());
}

function publicFromKeyObject(keyObject: KeyObject): NodeX25519Key {
  const { x } = keyObject.export({ format: 'jwk' });
  return new NodeX25519Key(
    keyObject,
    'public',
    new Uint8Array(Buffer.from(String(x), 'base64url')),
  );
}

function privateFromRaw(raw: Uint8Array): NodeX25519Key {
  if (raw.byteLength !== KEY_SIZE) {
    throw new InvalidParamError(`private key: expected 32 bytes, received ${raw.byteLength}`);
  }
  // A JWK import, not PKCS#8: about 35 against 375 us on Node 20, whose OpenSSL 3.0 DER decoder
  // is slow. Node builds a private OKP key from `d` alone and derives the public key from it;
  // `x` must be a string but is not read, so none is computed for it (a test holds the derived
  // public key to RFC 7748's). The base64url copy of the key is a string, which cannot be zeroed.
  const d = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
  return new NodeX25519Key(key, 'private');
}

/**
 * X25519 (RFC 7748) primitives of DHKEM on node:crypto KeyObjects: `DH` by `diffieHellman`, key
 * generation from 32 random bytes, raw keys imported as JWK.
 * `DeriveKeyPair` follows RFC 9180 §7.1.3 with @hpke/common's labels through the KEM's KDF.
 *
 * @example
 * const kdf = new NodeHkdfSha256();
 * const kem = new Dhkem(KemId.DhkemX25519HkdfSha256, new NodeX25519Primitives(kdf), kdf);
 */
export class NodeX25519Primitives implements DhkemPrimitives {
  /**
   * @param kdf the KEM's HKDF (initialized by `Dhkem` with the KEM suite id), for `DeriveKeyPair`
   */
  constructor(private readonly kdf: NodeHkdfSha256) {}

  /**
   * `SerializePublicKey` (RFC 9180 §7.1.1): the 32 raw bytes.
   *
   * @param key a public key of this class
   * @returns the 32 bytes
   * @throws {SerializeError} for any other key
   */
  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    try {
      const k = asNodeKey(key, 'public');
      return ownBuffer(k.publicRaw ?? publicFromKeyObject(k.keyObject).publicRaw!);
    } catch (e) {
      throw new SerializeError(e);
    }
  }

  /**
   * `DeserializePublicKey` (RFC 9180 §7.1.1).
   *
   * @param key 32 bytes
   * @returns the public key
   * @throws {DeserializeError} for any other length
   */
  async deserializePublicKey(key: Bytes): Promise<CryptoKey> {
    try {
      return publicFromRaw(view(key));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }

  /**
   * `SerializePrivateKey` (RFC 9180 §7.1.2): the 32 raw bytes.
   *
   * @param key a private key of this class
   * @returns the 32 bytes
   * @throws {SerializeError} for any other key
   */
  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    try {
      const { d } = asNodeKey(key, 'private').keyObject.export({ format: 'jwk' });
      return ownBuffer(Buffer.from(String(d), 'base64url'));
    } catch (e) {
      throw new SerializeError(e);
    }
  }

  /**
   * `DeserializePrivateKey` (RFC 9180 §7.1.2).
   *
   * @param key 32 bytes
   * @returns the private key
   * @throws {DeserializeError} for any other length
   */
  async deserializePrivateKey(key: Bytes): Promise<CryptoKey> {
    try {
      return privateFromRaw(view(key));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }

  /**
   * Imports a raw key or an OKP X25519 JWK.
   *
   * @param format `raw` or `jwk`
   * @param key the bytes or the JWK
   * @param isPublic whether it is a public key
   * @returns the key
   * @throws {DeserializeError} for a malformed key or a JWK of another kind
   */
  async importKey(
    format: 'raw' | 'jwk',
    key: ArrayBuffer | JsonWebKey,
    isPublic: boolean,
  ): Promise<CryptoKey> {
    try {
      if (format === 'raw') {
        if (!(key instanceof ArrayBuffer)) throw new InvalidParamError('key: expected bytes');
        return isPublic ? publicFromRaw(view(key)) : privateFromRaw(view(key));
      }
      if (key instanceof ArrayBuffer || key.kty !== 'OKP' || key.crv !== 'X25519') {
        throw new InvalidParamError('key: expected an okp x25519 jwk');
      }
      if (isPublic) {
        if (key.d !== undefined) throw new InvalidParamError('key: expected no d in a public jwk');
        if (typeof key.x !== 'string') throw new InvalidParamError('key: expected x');
        return publicFromRaw(new Uint8Array(Buffer.from(key.x, 'base64url')));
      }
      if (typeof key.d !== 'string') throw new InvalidParamError('key: expected d');
      return privateFromRaw(new Uint8Array(Buffer.from(key.d, 'base64url')));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }

  /**
   * `GenerateKeyPair` from node's CSPRNG: an X25519 private key is any 32 random bytes (RFC 7748
   * §5 clamps them when they are used), imported, and its public key derived.
   *
   * The key is not made by `generateKeyPairSync`: Node 20 can deadlock exporting the public half
   * of a key it generated (seen here in a test run, a backtrace with gdb): the JWK export holds
   * the key's lock while it allocates, a garbage collection then finalizes the finished key
   * generation job, and that job's destructor waits for the same lock. An imported key has no
   * such job.
   *
   * @returns a fresh key pair
   * @throws {NotSupportedError} when node:crypto cannot make X25519 keys
   */
  async generateKeyPair(): Promise<CryptoKeyPair> {
    let privateKey: NodeX25519Key;
    try {
      const raw = randomBytes(KEY_SIZE);
      try {
        privateKey = privateFromRaw(new Uint8Array(raw.buffer, raw.byteOffset, KEY_SIZE));
      } finally {
        raw.fill(0);
      }
    } catch (e) {
      throw new NotSupportedError(e);
    }
    return { privateKey, publicKey: await this.derivePublicKey(privateKey) };
  }

  /**
   * `DeriveKeyPair(ikm)` of RFC 9180 §7.1.3 for X25519.
   *
   * @param ikm the input keying material
   * @returns the derived key pair
   * @throws {DeriveKeyPairError} when derivation fails
   */
  async deriveKeyPair(ikm: Bytes): Promise<CryptoKeyPair> {
    try {
      // RFC 9180 §7.1.3: dkp_prk = LabeledExtract("", "dkp_prk", ikm)
      const dkpPrk = await this.kdf.labeledExtract(EMPTY, LABEL_DKP_PRK, view(ikm).slice());
      // RFC 9180 §7.1.3: sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
      const sk = new Uint8Array(await this.kdf.labeledExpand(dkpPrk, LABEL_SK, EMPTY, KEY_SIZE));
      const privateKey = privateFromRaw(sk);
      sk.fill(0);
      new Uint8Array(dkpPrk).fill(0);
      return { privateKey, publicKey: await this.derivePublicKey(privateKey) };
    } catch (e) {
      throw new DeriveKeyPairError(e);
    }
  }

  /**
   * The public key of a private key.
   *
   * @param key a private key of this class
   * @returns its public key
   * @throws {DeserializeError} for any other key
   */
  async derivePublicKey(key: CryptoKey): Promise<CryptoKey> {
    try {
      return publicFromKeyObject(createPublicKey(asNodeKey(key, 'private').keyObject));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }

  /**
   * `DH(sk, pk)`, refusing an all-zero shared secret. Every other step of an open or seal is
   * synchronous here, so this is where the event loop gets its turn: once a millisecond or more
   * has passed since the last turn given here, every call waits for the same `setImmediate`,
   * which fires when all the opens and seals in flight wait for it; so a run of many opens lets
   * timers and I/O in about every millisecond of work, as WebCrypto's asynchronous calls would.
   * A turn for every call cost about 30 us of each open with 250 in flight (195 against 167 us
   * measured alone) and about 50 us in the aggregator's end-to-end run.
   *
   * @param sk a private key of this class
   * @param pk a public key of this class
   * @returns the 32-byte shared secret
   * @throws {SerializeError} for a low-order `pk` (all-zero result) or keys of another kind
   */
  async dh(sk: CryptoKey, pk: CryptoKey): Promise<ArrayBuffer> {
    if (pendingTurn === undefined && performance.now() - lastTurn >= TURN_EVERY_MS) {
      pendingTurn = nextTurn().then(() => {
        pendingTurn = undefined;
        lastTurn = performance.now();
      });
    }
    // Every open or seal in flight waits for the same turn: the event loop turns once they all
    // wait, and one `setImmediate` serves them all.
    if (pendingTurn !== undefined) await pendingTurn;
    try {
      const secret = diffieHellman({
        privateKey: asNodeKey(sk, 'private').keyObject,
        publicKey: asNodeKey(pk, 'public').keyObject,
      });
      // RFC 9180 §7.1.4: abort on the all-zero X25519 output (OpenSSL also refuses it).
      if (secret.every((b) => b === 0)) throw new InvalidParamError('dh: all-zero shared secret');
      const out = freshBuffer(secret);
      if (out !== secret.buffer) secret.fill(0);
      return out;
    } catch (e) {
      throw new SerializeError(e);
    }
  }
}

/**
 * DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, KEM id 0x0020): @hpke/common's `Dhkem` (encap,
 * decap, `ExtractAndExpand` with the RFC labels) over {@link NodeX25519Primitives}.
 *
 * @example new CipherSuite({ kem: new NodeDhkemX25519HkdfSha256(), kdf, aead })
 */
export class NodeDhkemX25519HkdfSha256 extends Dhkem {
  /** KEM id 0x0020. */
  override readonly id = KemId.DhkemX25519HkdfSha256;
  /** Nsecret = 32. */
  override readonly secretSize = 32;
  /** Nenc = 32. */
  override readonly encSize = 32;
  /** Npk = 32. */
  override readonly publicKeySize = 32;
  /** Nsk = 32. */
  override readonly privateKeySize = 32;

  constructor() {
    const kdf = new NodeHkdfSha256();
    super(KemId.DhkemX25519HkdfSha256, new NodeX25519Primitives(kdf), kdf);
  }
}

/**
 * The DAP-18 HPKE suite (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) as an @hpke/core
 * `CipherSuite` on node:crypto primitives: the key schedule, labels, nonces, encap and decap stay
 * @hpke/core's and @hpke/common's.
 *
 * @returns a new cipher suite
 * @example
 * const suite = createNodeHpkeSuite();
 * const { ct, enc } = await suite.seal({ recipientPublicKey }, plaintext);
 */
export function createNodeHpkeSuite(): CipherSuite {
  return new CipherSuite({
    kem: new NodeDhkemX25519HkdfSha256(),
    kdf: new NodeHkdfSha256(),
    aead: new NodeAes128Gcm(),
  });
}
