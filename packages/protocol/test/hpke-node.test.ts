// The node:crypto HPKE primitives on their own: HKDF-SHA256 against RFC 5869 and node's hkdfSync,
// AES-128-GCM and X25519 against WebCrypto, hostile keys and lengths, the Node-only subpath
// export, and the browser bundle that must never contain them.
import { hkdfSync, webcrypto } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  DeserializeError,
  InvalidParamError,
  SerializeError,
  type DhkemPrimitives,
} from '@hpke/common';
import { HkdfSha256 } from '@hpke/core';
import { build } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as sub from '@private-measurement/protocol/hpke-node';
import { createNodeHpkeSuite as absentSuite } from '../src/dap/hpke-node-absent.js';
import {
  createNodeHpkeSuite,
  NodeAes128Gcm,
  NodeDhkemX25519HkdfSha256,
  NodeHkdfSha256,
  NodeX25519Key,
  NodeX25519Primitives,
} from '../src/dap/hpke-node.js';

const h = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(b)).toString('hex');
const subtle = webcrypto.subtle;
// A suite id of RFC 9180 §5.1: "HPKE" || kem || kdf || aead.
const SUITE_ID = h('48504b45' + '0020' + '0001' + '0001');

function nodeKdf(): NodeHkdfSha256 {
  const k = new NodeHkdfSha256();
  k.init(SUITE_ID);
  return k;
}

describe('NodeHkdfSha256', () => {
  it('matches RFC 5869 Appendix A.3 (empty salt and info)', async () => {
    const kdf = nodeKdf();
    const prk = await kdf.extract(new Uint8Array(0), new Uint8Array(22).fill(0x0b));
    expect(toHex(prk)).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(toHex(await kdf.expand(prk, new Uint8Array(0), 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it("agrees with node's hkdfSync and with @hpke/core's WebCrypto HKDF", async () => {
    const kdf = nodeKdf();
    const web = new HkdfSha256();
    web.init(SUITE_ID);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 32, maxLength: 32 })),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 600 }),
        async (salt, ikm, info, len) => {
          const ours = toHex(await kdf.extractAndExpand(salt, ikm, info, len));
          expect(ours).toBe(toHex(hkdfSync('sha256', ikm, salt, info, len)));
          expect(ours).toBe(toHex(await web.extractAndExpand(salt, ikm, info, len)));
          const label = new Uint8Array([0x61, 0x62]);
          expect(toHex(await kdf.labeledExtract(salt, label, ikm))).toBe(
            toHex(await web.labeledExtract(salt, label, ikm)),
          );
          expect(toHex(await kdf.labeledExpand(new Uint8Array(32), label, info, len))).toBe(
            toHex(await web.labeledExpand(new Uint8Array(32), label, info, len)),
          );
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });

  it('reuses the secret of one shared_secret object only for the same salt and ikm', async () => {
    const kdf = nodeKdf();
    const expected = (salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, len: number) =>
      toHex(hkdfSync('sha256', ikm, salt, info, len));
    // The key schedule's pattern: one shared_secret object, the same labeled ikm, three infos.
    const secret = new Uint8Array(32).fill(7).buffer;
    const ikm = h('0a0b0c');
    for (const [info, len] of [
      [h('01'), 16],
      [h('02'), 12],
      [h('03'), 32],
    ] as const) {
      expect(toHex(await kdf.extractAndExpand(secret, ikm, info, len))).toBe(
        expected(new Uint8Array(secret), ikm, info, len),
      );
    }
    // Another ikm with the same object, then the first again: each recomputed.
    const other = h('0a0b0d');
    expect(toHex(await kdf.extractAndExpand(secret, other, h('01'), 16))).toBe(
      expected(new Uint8Array(secret), other, h('01'), 16),
    );
    expect(toHex(await kdf.extractAndExpand(secret, ikm, h('01'), 16))).toBe(
      expected(new Uint8Array(secret), ikm, h('01'), 16),
    );
    // The same object with its bytes rewritten in place is a new salt.
    new Uint8Array(secret).fill(9);
    expect(toHex(await kdf.extractAndExpand(secret, ikm, h('01'), 16))).toBe(
      expected(new Uint8Array(32).fill(9), ikm, h('01'), 16),
    );
    // A view of the secret and the secret itself agree.
    expect(toHex(await kdf.extractAndExpand(new Uint8Array(secret), ikm, h('02'), 12))).toBe(
      expected(new Uint8Array(32).fill(9), ikm, h('02'), 12),
    );
  });

  it('remembers psk_id_hash and info_hash by their bytes and returns fresh buffers', async () => {
    const kdf = nodeKdf();
    const web = new HkdfSha256();
    web.init(SUITE_ID);
    const labels = [new TextEncoder().encode('psk_id_hash'), new TextEncoder().encode('info_hash')];
    // More distinct inputs than are remembered, twice through, against WebCrypto each time.
    const infos = Array.from({ length: 40 }, (_, i) => new Uint8Array([i, i + 1, 3]));
    for (let pass = 0; pass < 2; pass++) {
      for (const label of labels) {
        for (const info of infos) {
          const ours = await kdf.labeledExtract(new Uint8Array(0), label, info);
          expect(toHex(ours)).toBe(toHex(await web.labeledExtract(new Uint8Array(0), label, info)));
          // The caller may overwrite what it got; the next answer is unaffected.
          new Uint8Array(ours).fill(0);
        }
      }
    }
    // The same bytes under the two labels differ, and a non-empty salt is not remembered.
    const a = await kdf.labeledExtract(new Uint8Array(0), labels[0]!, infos[0]!);
    const b = await kdf.labeledExtract(new Uint8Array(0), labels[1]!, infos[0]!);
    expect(toHex(a)).not.toBe(toHex(b));
    const salt = new Uint8Array(32).fill(1);
    expect(toHex(await kdf.labeledExtract(salt, labels[1]!, infos[0]!))).toBe(
      toHex(await web.labeledExtract(salt, labels[1]!, infos[0]!)),
    );
  });

  it('accepts the longest output, refuses bad salts and lengths (InvalidParamError)', async () => {
    const kdf = nodeKdf();
    // L = 255 * HashLen, the most RFC 5869 §2.3 allows: blocks T(1) to T(255).
    const okm = await kdf.extractAndExpand(new Uint8Array(0), h('0102'), h('03'), 8160);
    expect(toHex(okm)).toBe(toHex(hkdfSync('sha256', h('0102'), new Uint8Array(0), h('03'), 8160)));
    for (const salt of [1, 16, 31, 33, 64]) {
      await expect(kdf.extract(new Uint8Array(salt), new Uint8Array(1))).rejects.toThrow(
        InvalidParamError,
      );
    }
    for (const len of [8161, -1, 1.5, Number.NaN]) {
      await expect(kdf.expand(new Uint8Array(32), new Uint8Array(0), len)).rejects.toThrow(
        InvalidParamError,
      );
    }
  });
});

describe('NodeAes128Gcm', () => {
  const aead = new NodeAes128Gcm();

  it('has the RFC 9180 §7.3 sizes', () => {
    expect([aead.id, aead.keySize, aead.nonceSize, aead.tagSize]).toEqual([1, 16, 12, 16]);
  });

  it('seals as WebCrypto AES-GCM does, and opens that', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 300 }),
        async (key, iv, aad, pt) => {
          const wk = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
          const theirs = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, wk, pt);
          const ctx = aead.createEncryptionContext(key);
          expect(toHex(await ctx.seal(iv, pt, aad))).toBe(toHex(theirs));
          expect(toHex(await ctx.open(iv, theirs, aad))).toBe(toHex(pt));
        },
      ),
      { numRuns: 60, seed: 6 },
    );
  });

  it('refuses short, tampered or misbound ciphertexts and keys of other sizes', async () => {
    const key = new Uint8Array(16).fill(9);
    const iv = new Uint8Array(12).fill(1);
    const ctx = aead.createEncryptionContext(key);
    const ct = new Uint8Array(await ctx.seal(iv, h('00112233'), h('aa')));
    await expect(ctx.open(iv, ct.subarray(0, 15), h('aa'))).rejects.toThrow(InvalidParamError);
    await expect(ctx.open(iv, new Uint8Array(0), h('aa'))).rejects.toThrow(InvalidParamError);
    await expect(ctx.open(iv, ct, h('ab'))).rejects.toThrow();
    await expect(ctx.open(new Uint8Array(12), ct, h('aa'))).rejects.toThrow();
    for (let i = 0; i < ct.length; i++) {
      const bad = ct.slice();
      bad[i] ^= 0x80;
      await expect(ctx.open(iv, bad, h('aa'))).rejects.toThrow();
    }
    expect(toHex(await ctx.open(iv, ct, h('aa')))).toBe('00112233');
    for (const n of [0, 15, 17, 32]) {
      expect(() => aead.createEncryptionContext(new Uint8Array(n))).toThrow(InvalidParamError);
    }
  });
});

describe('NodeX25519Primitives', () => {
  const prim: DhkemPrimitives = new NodeX25519Primitives(nodeKdf());

  it('computes the same shared secrets as WebCrypto X25519', async () => {
    for (let i = 0; i < 10; i++) {
      const a = await prim.generateKeyPair();
      const b = (await subtle.generateKey({ name: 'X25519' }, true, [
        'deriveBits',
      ])) as CryptoKeyPair;
      const bPub = new Uint8Array(await subtle.exportKey('raw', b.publicKey));
      const aPub = await prim.serializePublicKey(a.publicKey);
      const ours = await prim.dh(a.privateKey, await prim.deserializePublicKey(bPub));
      const theirPk = await subtle.importKey('raw', aPub, { name: 'X25519' }, false, []);
      const theirs = await subtle.deriveBits(
        { name: 'X25519', public: theirPk },
        b.privateKey,
        256,
      );
      expect(toHex(ours)).toBe(toHex(theirs));
    }
  });

  it('round-trips raw and JWK keys, and derives the public key of a private one', async () => {
    const pair = await prim.generateKeyPair();
    const skm = await prim.serializePrivateKey(pair.privateKey);
    const pkm = await prim.serializePublicKey(pair.publicKey);
    expect(skm.byteLength).toBe(32);
    const sk = await prim.deserializePrivateKey(skm);
    expect(toHex(await prim.serializePublicKey(await prim.derivePublicKey(sk)))).toBe(toHex(pkm));
    const x = Buffer.from(pkm).toString('base64url');
    const d = Buffer.from(skm).toString('base64url');
    const pk2 = await prim.importKey('jwk', { kty: 'OKP', crv: 'X25519', x }, true);
    expect(toHex(await prim.serializePublicKey(pk2))).toBe(toHex(pkm));
    const sk2 = await prim.importKey('jwk', { kty: 'OKP', crv: 'X25519', x, d }, false);
    expect(toHex(await prim.serializePrivateKey(sk2))).toBe(toHex(skm));
    const sk3 = await prim.importKey('raw', skm, false);
    expect(toHex(await prim.serializePrivateKey(sk3))).toBe(toHex(skm));
    expect(sk3).toBeInstanceOf(NodeX25519Key);
    expect(sk3.type).toBe('private');
  });

  it('imports a raw private key as in RFC 7748 §6.1: public key and shared secret', async () => {
    const alice = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
    const bob = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    const sk = await prim.deserializePrivateKey(alice);
    expect(toHex(await prim.serializePublicKey(await prim.derivePublicKey(sk)))).toBe(alicePub);
    expect(toHex(await prim.dh(sk, await prim.deserializePublicKey(h(bobPub))))).toBe(shared);
    const skBob = await prim.importKey('raw', bob.slice().buffer, false);
    expect(toHex(await prim.dh(skBob, await prim.deserializePublicKey(h(alicePub))))).toBe(shared);
    // A JWK's x is not taken for the private key's public half: it is derived from d.
    const d = Buffer.from(alice).toString('base64url');
    const x = Buffer.from(h(bobPub)).toString('base64url');
    const sk2 = await prim.importKey('jwk', { kty: 'OKP', crv: 'X25519', x, d }, false);
    expect(toHex(await prim.serializePublicKey(await prim.derivePublicKey(sk2)))).toBe(alicePub);
  });

  it('refuses keys of the wrong length, kind or JWK shape with typed errors', async () => {
    for (const n of [0, 1, 31, 33, 64]) {
      await expect(prim.deserializePublicKey(new Uint8Array(n))).rejects.toThrow(DeserializeError);
      await expect(prim.deserializePrivateKey(new Uint8Array(n))).rejects.toThrow(DeserializeError);
      await expect(prim.importKey('raw', new ArrayBuffer(n), true)).rejects.toThrow(
        DeserializeError,
      );
    }
    const x = Buffer.alloc(32, 9).toString('base64url');
    for (const [jwk, isPublic] of [
      [{ kty: 'EC', crv: 'X25519', x }, true],
      [{ kty: 'OKP', crv: 'Ed25519', x }, true],
      [{ kty: 'OKP', crv: 'X25519', x, d: x }, true],
      [{ kty: 'OKP', crv: 'X25519' }, true],
      [{ kty: 'OKP', crv: 'X25519', x: 'AAAA' }, true],
      [{ kty: 'OKP', crv: 'X25519', x }, false],
      [{ kty: 'OKP', crv: 'X25519', x, d: 'AAAA' }, false],
    ] as const) {
      await expect(prim.importKey('jwk', jwk as JsonWebKey, isPublic)).rejects.toThrow(
        DeserializeError,
      );
    }
    const pair = await prim.generateKeyPair();
    const foreign = (await subtle.generateKey({ name: 'X25519' }, true, [
      'deriveBits',
    ])) as CryptoKeyPair;
    await expect(prim.serializePublicKey(foreign.publicKey)).rejects.toThrow(SerializeError);
    await expect(prim.serializePublicKey(pair.privateKey)).rejects.toThrow(SerializeError);
    await expect(prim.serializePrivateKey(pair.publicKey)).rejects.toThrow(SerializeError);
    await expect(prim.dh(pair.publicKey, pair.publicKey)).rejects.toThrow(SerializeError);
    await expect(prim.dh(pair.privateKey, foreign.publicKey)).rejects.toThrow(SerializeError);
    await expect(prim.derivePublicKey(pair.publicKey)).rejects.toThrow(DeserializeError);
  });

  it('refuses a DH with a low-order point (RFC 9180 §7.1.4)', async () => {
    const pair = await prim.generateKeyPair();
    const f = 'ff'.repeat(30);
    // 0, 1, an order-8 point, and p - 1, p, p + 1 (p = 2^255 - 19, little-endian).
    const lowOrder = [
      '00'.repeat(32),
      '01' + '00'.repeat(31),
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      'ec' + f + '7f',
      'ed' + f + '7f',
      'ee' + f + '7f',
    ];
    for (const p of lowOrder) {
      const pk = await prim.deserializePublicKey(h(p));
      await expect(prim.dh(pair.privateKey, pk)).rejects.toThrow(SerializeError);
    }
  });
});

describe('createNodeHpkeSuite', () => {
  it('is a CipherSuite of kem 0x0020, kdf 0x0001, aead 0x0001 that seals and opens', async () => {
    const suite = createNodeHpkeSuite();
    expect([suite.kem.id, suite.kdf.id, suite.aead.id]).toEqual([0x20, 1, 1]);
    expect(new NodeDhkemX25519HkdfSha256()).toMatchObject({
      secretSize: 32,
      encSize: 32,
      publicKeySize: 32,
      privateKeySize: 32,
    });
    const rkp = await suite.kem.generateKeyPair();
    const { ct, enc } = await suite.seal({ recipientPublicKey: rkp.publicKey }, h('cafe'), h('01'));
    const pt = await suite.open({ recipientKey: rkp, enc }, ct, h('01'));
    expect(toHex(pt)).toBe('cafe');
    // Without the public key, decap derives pkR from skR (RFC 9180 §4.1).
    const pt2 = await suite.open({ recipientKey: rkp.privateKey, enc }, ct, h('01'));
    expect(toHex(pt2)).toBe('cafe');
    await expect(suite.open({ recipientKey: rkp, enc }, ct, h('02'))).rejects.toThrow();
  });

  it('lets the event loop turn during an open, as WebCrypto does', async () => {
    const suite = createNodeHpkeSuite();
    const rkp = await suite.kem.generateKeyPair();
    const { ct, enc } = await suite.seal({ recipientPublicKey: rkp.publicKey }, h('cafe'));
    // The seal just gave the loop its turn; the next is due a millisecond later.
    await new Promise((r) => setTimeout(r, 2));
    let turned = false;
    setImmediate(() => (turned = true));
    expect(toHex(await suite.open({ recipientKey: rkp, enc }, ct))).toBe('cafe');
    expect(turned).toBe(true);
  });

  it('lets timers in at least every few milliseconds during a long run of opens', async () => {
    const suite = createNodeHpkeSuite();
    const rkp = await suite.kem.generateKeyPair();
    const sealed = await Promise.all(
      Array.from({ length: 1000 }, () =>
        suite.seal({ recipientPublicKey: rkp.publicKey }, h('cafe')),
      ),
    );
    // 32 in flight at a time, as an aggregator opens a job's shares.
    let next = 0;
    let opened = 0;
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 1);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < sealed.length) {
          const { ct, enc } = sealed[next++];
          expect(toHex(await suite.open({ recipientKey: rkp, enc }, ct))).toBe('cafe');
          opened++;
        }
      }),
    );
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(opened).toBe(1000);
    // The run takes a hundred milliseconds or more; the timer fired all along and was never
    // held off for half of it (a generous bound: the turns come about every millisecond of
    // work, but the test machine may be busy). Without the turns it is held off for all of it.
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(Math.max(40, elapsed / 2));
  });

  it('is exported at @private-measurement/protocol/hpke-node', () => {
    expect(sub.createNodeHpkeSuite).toBe(createNodeHpkeSuite);
    expect(sub.NodeHkdfSha256).toBe(NodeHkdfSha256);
  });

  it('has a browser stand-in that refuses with HPKE_UNSUPPORTED_SUITE', () => {
    expect(() => absentSuite()).toThrow(
      expect.objectContaining({ name: 'HpkeError', code: 'HPKE_UNSUPPORTED_SUITE' }),
    );
  });
});

describe('bundles', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));

  async function inputs(platform: 'browser' | 'node'): Promise<{ files: string[]; js: string }> {
    const out = await build({
      absWorkingDir: root,
      entryPoints: ['src/index.ts'],
      bundle: true,
      write: false,
      format: 'esm',
      platform,
      conditions: ['source'],
      metafile: true,
      logLevel: 'silent',
      external: platform === 'node' ? ['@hpke/*', 'fast-check'] : [],
    });
    return {
      files: Object.keys(out.metafile.inputs),
      js: out.outputFiles.map((f) => f.text).join('\n'),
    };
  }

  it('a browser bundle gets the stand-in and never node:crypto', async () => {
    const { files, js } = await inputs('browser');
    expect(files).toContain('src/dap/hpke-node-absent.ts');
    expect(files).not.toContain('src/dap/hpke-node.ts');
    expect(js.includes('createDecipheriv')).toBe(false);
  });

  it('a node bundle gets the node:crypto primitives', async () => {
    const { files, js } = await inputs('node');
    expect(files).toContain('src/dap/hpke-node.ts');
    expect(files).not.toContain('src/dap/hpke-node-absent.ts');
    expect(js.includes('createDecipheriv')).toBe(true);
  });
});
