// HPKE for DAP-18: the RFC 9180 Appendix A.1.1 known-answer vector for DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, AES-128-GCM in Base mode, round trips, every rejection and its code,
// on every backend (node:crypto primitives, WebCrypto, the pure-JS X25519), prepared keys, and
// interop between the backends both ways.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as dap from '../src/dap/index.js';
import { HpkeError } from '../src/errors.js';

const h = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 9180 Appendix A.1.1 (mode_base, kem 0x0020, kdf 0x0001, aead 0x0001), first encryption.
const A11 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  aad: '436f756e742d30',
  ct: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
};

const hpkeCode = (code: string) => expect.objectContaining({ name: 'HpkeError', code });

describe('DAP-18 info strings', () => {
  it('input share: "dap-18 input share" || 0x01 || server_role (§4.4.2.1)', () => {
    // ASCII "dap-18 input share" = 6461702d313820696e707574207368617265, then client 01.
    expect(toHex(dap.inputShareInfo(dap.Role.leader))).toBe(
      '6461702d313820696e707574207368617265' + '01' + '02',
    );
    expect(toHex(dap.inputShareInfo(dap.Role.helper))).toBe(
      '6461702d313820696e707574207368617265' + '01' + '03',
    );
  });

  it('aggregate share: "dap-18 aggregate share" || server_role || 0x00 (§4.6.7)', () => {
    expect(toHex(dap.aggregateShareInfo(dap.Role.helper))).toBe(
      '6461702d313820616767726567617465207368617265' + '03' + '00',
    );
  });

  it('rejects roles that are not servers', () => {
    for (const role of [0, 1, 4, -1, 2.5]) {
      expect(() => dap.inputShareInfo(role as dap.Role)).toThrow(
        expect.objectContaining({ code: 'PARAM' }),
      );
      expect(() => dap.aggregateShareInfo(role as dap.Role)).toThrow(
        expect.objectContaining({ code: 'PARAM' }),
      );
    }
  });
});

const backends = ['node', 'webcrypto', 'js'] as const;

for (const backend of backends) {
  describe(`backend ${backend}`, () => {
    beforeAll(async () => {
      expect(await dap.selectHpkeBackend(backend)).toBe(backend);
    });
    afterAll(async () => {
      await dap.selectHpkeBackend('auto');
    });

    describe('RFC 9180 Appendix A.1.1', () => {
      it('derives the recipient key pair', async () => {
        const kp = await dap.deriveHpkeKeypair(7, h(A11.ikmR));
        expect(toHex(kp.privateKey)).toBe(A11.skRm);
        expect(toHex(kp.config.publicKey)).toBe(A11.pkRm);
        expect(kp.config).toMatchObject({ id: 7, kemId: 0x0020, kdfId: 0x0001, aeadId: 0x0001 });
      });

      it('seals to the published enc and ciphertext', async () => {
        const kp = await dap.deriveHpkeKeypair(7, h(A11.ikmR));
        const ct = await dap.hpkeSeal(kp.config, h(A11.info), h(A11.aad), h(A11.pt), {
          ephemeralIkm: h(A11.ikmE),
        });
        expect(ct.configId).toBe(7);
        expect(toHex(ct.enc)).toBe(A11.pkEm);
        expect(toHex(ct.payload)).toBe(A11.ct);
      });

      it('opens the published ciphertext with the published private key', async () => {
        const keypair: dap.HpkeKeypair = {
          config: { id: 3, kemId: 0x20, kdfId: 1, aeadId: 1, publicKey: h(A11.pkRm) },
          privateKey: h(A11.skRm),
        };
        const pt = await dap.hpkeOpen(keypair, h(A11.info), h(A11.aad), {
          configId: 3,
          enc: h(A11.pkEm),
          payload: h(A11.ct),
        });
        expect(toHex(pt)).toBe(A11.pt);
      });
    });

    describe('seal and open', () => {
      it('round-trips random messages, info and AAD', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        await fc.assert(
          fc.asyncProperty(
            fc.uint8Array({ maxLength: 200 }),
            fc.uint8Array({ maxLength: 40 }),
            fc.uint8Array({ maxLength: 40 }),
            async (pt, info, aad) => {
              const ct = await dap.hpkeSeal(kp.config, info, aad, pt);
              expect(ct.enc.length).toBe(32);
              expect(await dap.hpkeOpen([kp], info, aad, ct)).toEqual(pt);
            },
          ),
          { numRuns: 25 },
        );
      });

      it('rejects a wrong key, info, AAD, enc or ciphertext with HPKE_OPEN', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        const other = await dap.generateHpkeKeypair(1);
        const info = dap.inputShareInfo(dap.Role.leader);
        const aad = new Uint8Array([1, 2, 3]);
        const ct = await dap.hpkeSeal(kp.config, info, aad, new Uint8Array([9, 9, 9]));
        const open = (keys: dap.HpkeKeypair, i: Uint8Array, a: Uint8Array, c: dap.HpkeCiphertext) =>
          dap.hpkeOpen(keys, i, a, c);

        await expect(open(other, info, aad, ct)).rejects.toThrow(hpkeCode('HPKE_OPEN'));
        await expect(open(kp, dap.inputShareInfo(dap.Role.helper), aad, ct)).rejects.toThrow(
          hpkeCode('HPKE_OPEN'),
        );
        await expect(open(kp, info, new Uint8Array([1, 2, 4]), ct)).rejects.toThrow(
          hpkeCode('HPKE_OPEN'),
        );
        const payload = ct.payload.slice();
        payload[0] ^= 1;
        await expect(open(kp, info, aad, { ...ct, payload })).rejects.toThrow(
          hpkeCode('HPKE_OPEN'),
        );
        await expect(open(kp, info, aad, { ...ct, enc: ct.enc.subarray(1) })).rejects.toThrow(
          hpkeCode('HPKE_OPEN'),
        );
      });

      it('rejects an unknown config id with HPKE_UNKNOWN_CONFIG', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        const ct = await dap.hpkeSeal(
          kp.config,
          new Uint8Array(0),
          new Uint8Array(0),
          new Uint8Array(1),
        );
        await expect(
          dap.hpkeOpen([kp], new Uint8Array(0), new Uint8Array(0), { ...ct, configId: 2 }),
        ).rejects.toThrow(hpkeCode('HPKE_UNKNOWN_CONFIG'));
        await expect(dap.hpkeOpen([], new Uint8Array(0), new Uint8Array(0), ct)).rejects.toThrow(
          hpkeCode('HPKE_UNKNOWN_CONFIG'),
        );
      });

      it('rejects other suites with HPKE_UNSUPPORTED_SUITE', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        for (const change of [{ kemId: 0x10 }, { kdfId: 2 }, { aeadId: 3 }]) {
          const config = { ...kp.config, ...change };
          await expect(
            dap.hpkeSeal(config, new Uint8Array(0), new Uint8Array(0), new Uint8Array(1)),
          ).rejects.toThrow(hpkeCode('HPKE_UNSUPPORTED_SUITE'));
          expect(dap.isSupportedHpkeConfig(config)).toBe(false);
        }
        expect(() => dap.selectHpkeConfig([{ ...kp.config, aeadId: 3 }])).toThrow(
          hpkeCode('HPKE_UNSUPPORTED_SUITE'),
        );
        const chosen = dap.selectHpkeConfig([{ ...kp.config, id: 9, kemId: 0x10 }, kp.config]);
        expect(chosen.id).toBe(1);
      });

      it('rejects malformed keys with HPKE_KEY and never echoes key material', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        const badPublic = { ...kp.config, publicKey: kp.config.publicKey.subarray(0, 31) };
        const err = await dap
          .hpkeSeal(badPublic, new Uint8Array(0), new Uint8Array(0), new Uint8Array(1))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HpkeError);
        expect((err as HpkeError).code).toBe('HPKE_KEY');
        expect((err as HpkeError).message).not.toContain(toHex(badPublic.publicKey));

        const ct = await dap.hpkeSeal(
          kp.config,
          new Uint8Array(0),
          new Uint8Array(0),
          new Uint8Array(1),
        );
        const badPrivate = { ...kp, privateKey: kp.privateKey.subarray(0, 31) };
        const err2 = await dap
          .hpkeOpen(badPrivate, new Uint8Array(0), new Uint8Array(0), ct)
          .catch((e: unknown) => e);
        expect((err2 as HpkeError).code).toBe('HPKE_KEY');
        expect((err2 as HpkeError).message).not.toContain(toHex(kp.privateKey));
        expect((err2 as HpkeError).message).not.toContain(toHex(badPrivate.privateKey));
      });

      it('validates config ids and keying material', async () => {
        await expect(dap.generateHpkeKeypair(256)).rejects.toThrow(
          expect.objectContaining({ code: 'PARAM' }),
        );
        await expect(dap.deriveHpkeKeypair(1, new Uint8Array(31))).rejects.toThrow(
          expect.objectContaining({ code: 'PARAM' }),
        );
      });
    });

    describe('prepared recipient keys', () => {
      const info = dap.inputShareInfo(dap.Role.helper);
      const aad = new Uint8Array([7, 7]);

      it('open by config id, the first key of an id winning, and tell their ids', async () => {
        const a = await dap.generateHpkeKeypair(4);
        const b = await dap.generateHpkeKeypair(9);
        const shadow = await dap.generateHpkeKeypair(4);
        const keys = await dap.HpkeRecipientKeys.prepare([a, b, shadow]);
        expect(keys.configIds).toEqual([4, 9]);
        for (const kp of [a, b]) {
          const ct = await dap.hpkeSeal(kp.config, info, aad, new Uint8Array([kp.config.id]));
          expect(await keys.open(info, aad, ct)).toEqual(new Uint8Array([kp.config.id]));
          expect(await dap.hpkeOpen(keys, info, aad, ct)).toEqual(new Uint8Array([kp.config.id]));
        }
        const toShadow = await dap.hpkeSeal(shadow.config, info, aad, new Uint8Array(1));
        await expect(keys.open(info, aad, toShadow)).rejects.toThrow(hpkeCode('HPKE_OPEN'));
        // The unprepared path picks the same key.
        await expect(dap.hpkeOpen([a, shadow], info, aad, toShadow)).rejects.toThrow(
          hpkeCode('HPKE_OPEN'),
        );
      });

      it('keep a malformed or foreign key from opening, and the others working', async () => {
        const good = await dap.generateHpkeKeypair(1);
        const shortPrivate = { ...(await dap.generateHpkeKeypair(2)) };
        shortPrivate.privateKey = shortPrivate.privateKey.subarray(0, 31);
        const badPublic = await dap.generateHpkeKeypair(3);
        badPublic.config = { ...badPublic.config, publicKey: new Uint8Array(33) };
        const foreign = await dap.generateHpkeKeypair(5);
        foreign.config = { ...foreign.config, aeadId: 2 };
        const keys = await dap.HpkeRecipientKeys.prepare([good, shortPrivate, badPublic, foreign]);
        const ct = await dap.hpkeSeal(good.config, info, aad, new Uint8Array([1]));
        expect(await keys.open(info, aad, ct)).toEqual(new Uint8Array([1]));
        const errs = await Promise.all(
          [2, 3, 5, 6].map((configId) => keys.open(info, aad, { ...ct, configId }).catch((e) => e)),
        );
        expect(errs.map((e: HpkeError) => e.code)).toEqual([
          'HPKE_KEY',
          'HPKE_KEY',
          'HPKE_UNSUPPORTED_SUITE',
          'HPKE_UNKNOWN_CONFIG',
        ]);
        for (const e of errs) {
          expect(e).toBeInstanceOf(HpkeError);
          expect(e.message).not.toContain(toHex(shortPrivate.privateKey));
          expect(e.message).not.toContain(toHex(good.privateKey));
        }
        expect((await dap.HpkeRecipientKeys.prepare([])).configIds).toEqual([]);
      });

      it('refuse what is not a key pair with ParamError', async () => {
        const good = await dap.generateHpkeKeypair(1);
        for (const bad of [
          null,
          1,
          'key',
          {},
          { config: good.config },
          [good, { privateKey: 1 }],
        ]) {
          await expect(dap.HpkeRecipientKeys.prepare(bad as never)).rejects.toThrow(
            expect.objectContaining({ code: 'PARAM' }),
          );
        }
      });

      it('reject low-order and non-canonical enc with HPKE_OPEN (RFC 9180 §7.1.4)', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        const keys = await dap.HpkeRecipientKeys.prepare(kp);
        const ct = await dap.hpkeSeal(kp.config, info, aad, new Uint8Array([5]));
        const f = 'ff'.repeat(30);
        const lowOrder = [
          '00'.repeat(32),
          '01' + '00'.repeat(31),
          'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
          '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
          // p - 1, p and p + 1 (p = 2^255 - 19, little-endian): non-canonical 0, 1 and -1.
          'ec' + f + '7f',
          'ed' + f + '7f',
          'ee' + f + '7f',
        ];
        for (const enc of lowOrder) {
          expect(h(enc).length).toBe(32);
          await expect(keys.open(info, aad, { ...ct, enc: h(enc) })).rejects.toThrow(
            hpkeCode('HPKE_OPEN'),
          );
        }
      });

      it('throw only HPKE_OPEN on random enc and ciphertexts', async () => {
        const kp = await dap.generateHpkeKeypair(1);
        const keys = await dap.HpkeRecipientKeys.prepare(kp);
        await fc.assert(
          fc.asyncProperty(
            fc.uint8Array({ maxLength: 40 }),
            fc.uint8Array({ maxLength: 80 }),
            async (enc, payload) => {
              const e = await keys.open(info, aad, { configId: 1, enc, payload }).catch((x) => x);
              expect(e).toBeInstanceOf(HpkeError);
              expect((e as HpkeError).code).toBe('HPKE_OPEN');
            },
          ),
          { numRuns: 100, seed: 11 },
        );
      });
    });
  });
}

describe('choosing the X25519 implementation', () => {
  afterAll(async () => {
    await dap.selectHpkeBackend('auto');
  });

  it('uses the node:crypto primitives when running in Node', async () => {
    expect(await dap.selectHpkeBackend('auto')).toBe('node');
    expect(await dap.hpkeBackend()).toBe('node');
  });

  /** Runs `body` as if this were not Node (as in a browser): `process.versions.node` is unset. */
  async function outsideNode(body: () => Promise<void>): Promise<void> {
    const saved = Object.getOwnPropertyDescriptor(process.versions, 'node')!;
    Object.defineProperty(process.versions, 'node', { ...saved, value: undefined });
    try {
      await body();
    } finally {
      Object.defineProperty(process.versions, 'node', saved);
    }
  }

  it('outside Node, takes WebCrypto and refuses node', async () => {
    await outsideNode(async () => {
      expect(await dap.selectHpkeBackend('auto')).toBe('webcrypto');
      await expect(dap.selectHpkeBackend('node')).rejects.toThrow(
        hpkeCode('HPKE_UNSUPPORTED_SUITE'),
      );
      expect(await dap.hpkeBackend()).toBe('webcrypto');
    });
    expect(await dap.selectHpkeBackend('auto')).toBe('node');
  });

  it('falls back to the pure-JS X25519 where WebCrypto cannot do X25519', async () => {
    // A browser whose WebCrypto lacks X25519: every X25519 key generation fails.
    const subtle = globalThis.crypto.subtle;
    const real = subtle.generateKey.bind(subtle);
    const spy = vi.spyOn(subtle, 'generateKey').mockImplementation(((
      alg: AlgorithmIdentifier,
      ...rest: [boolean, KeyUsage[]]
    ) => {
      const name = typeof alg === 'string' ? alg : alg.name;
      if (name === 'X25519')
        return Promise.reject(new DOMException('no X25519', 'NotSupportedError'));
      return real(alg, ...rest);
    }) as typeof subtle.generateKey);
    try {
      await outsideNode(async () => {
        expect(await dap.selectHpkeBackend('auto')).toBe('js');
      });
      await expect(dap.selectHpkeBackend('webcrypto')).rejects.toThrow(
        hpkeCode('HPKE_UNSUPPORTED_SUITE'),
      );
      expect(await dap.hpkeBackend()).toBe('js');
      // And it works: the RFC 9180 A.1.1 vector through the fallback.
      const kp = await dap.deriveHpkeKeypair(7, h(A11.ikmR));
      const ct = await dap.hpkeSeal(kp.config, h(A11.info), h(A11.aad), h(A11.pt), {
        ephemeralIkm: h(A11.ikmE),
      });
      expect(toHex(ct.payload)).toBe(A11.ct);
      // In Node the node:crypto primitives do not need WebCrypto's X25519.
      expect(await dap.selectHpkeBackend('auto')).toBe('node');
    } finally {
      spy.mockRestore();
    }
    expect(await dap.selectHpkeBackend('auto')).toBe('node');
  });

  it('refuses an unknown choice and keeps the current one', async () => {
    await dap.selectHpkeBackend('js');
    for (const bad of ['native', 'Node', '', undefined, 1]) {
      await expect(dap.selectHpkeBackend(bad as never)).rejects.toThrow(
        expect.objectContaining({ code: 'PARAM' }),
      );
    }
    expect(await dap.hpkeBackend()).toBe('js');
  });

  it('interoperates: every backend opens what each other one sealed', async () => {
    const info = dap.aggregateShareInfo(dap.Role.leader);
    const aad = new Uint8Array([1]);
    for (const from of backends) {
      for (const to of backends) {
        if (from === to) continue;
        await dap.selectHpkeBackend(from);
        const kp = await dap.generateHpkeKeypair(1);
        const sizes = [0, 1, 50, 1000];
        const cts = await Promise.all(
          sizes.map((n) => dap.hpkeSeal(kp.config, info, aad, new Uint8Array(n).fill(n))),
        );
        await dap.selectHpkeBackend(to);
        const keys = await dap.HpkeRecipientKeys.prepare(kp);
        for (const [i, n] of sizes.entries()) {
          expect(await keys.open(info, aad, cts[i])).toEqual(new Uint8Array(n).fill(n));
          expect(await dap.hpkeOpen(kp, info, aad, cts[i])).toEqual(new Uint8Array(n).fill(n));
          // And a tampered copy is refused on the receiving side too.
          const bad = { ...cts[i], payload: cts[i].payload.slice() };
          bad.payload[0] ^= 1;
          await expect(keys.open(info, aad, bad)).rejects.toThrow(hpkeCode('HPKE_OPEN'));
        }
      }
    }
  });

  it('derives the same key pair from the same ikm on every backend', async () => {
    const ikm = new Uint8Array(40).map((_, i) => i * 7);
    const pairs = [];
    for (const b of backends) {
      await dap.selectHpkeBackend(b);
      pairs.push(await dap.deriveHpkeKeypair(9, ikm));
    }
    for (const p of pairs.slice(1)) {
      expect(toHex(p.privateKey)).toBe(toHex(pairs[0].privateKey));
      expect(toHex(p.config.publicKey)).toBe(toHex(pairs[0].config.publicKey));
    }
  });

  it('keeps prepared keys on the implementation they were made with', async () => {
    for (const [made, now] of [
      ['js', 'webcrypto'],
      ['node', 'js'],
      ['webcrypto', 'node'],
    ] as const) {
      await dap.selectHpkeBackend(made);
      const kp = await dap.generateHpkeKeypair(1);
      const keys = await dap.HpkeRecipientKeys.prepare(kp);
      await dap.selectHpkeBackend(now);
      const ct = await dap.hpkeSeal(kp.config, new Uint8Array(0), new Uint8Array(0), h('0102'));
      expect(await keys.open(new Uint8Array(0), new Uint8Array(0), ct)).toEqual(h('0102'));
    }
  });
});
