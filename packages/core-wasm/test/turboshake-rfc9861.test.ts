// TurboSHAKE128 known answers of RFC 9861 §5 (test vectors), on every XOF backend, with the
// message absorbed and the output squeezed in one call and in uneven pieces.
import { describe, expect, it } from 'vitest';
import type { XofKernels } from '../src/backend.js';
import { instanceSync } from '../src/internal/wasm.js';
import { tsXof } from '../src/xof/ts.js';
import { wasmXof } from '../src/xof/wasm.js';

const backends: [string, XofKernels][] = [
  ['ts', tsXof],
  ['wasm', wasmXof(instanceSync('xof'))],
];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** ptn(n): n bytes of the repeating pattern 00 01 .. FA (RFC 9861 §5). */
function ptn(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 0xfb;
  return out;
}

interface Known {
  label: string;
  msg: Uint8Array;
  domain: number;
  /** Total output length L. */
  len: number;
  /** Expected output, or its last bytes when `tail` is set. */
  out: string;
  tail?: boolean;
}

// RFC 9861 §5: TurboSHAKE128(M, D, L).
const KNOWN: Known[] = [
  {
    label: 'M=00^0 D=1F L=32',
    msg: new Uint8Array(0),
    domain: 0x1f,
    len: 32,
    out: '1e415f1c5983aff2169217277d17bb538cd945a397ddec541f1ce41af2c1b74c',
  },
  {
    label: 'M=00^0 D=1F L=64',
    msg: new Uint8Array(0),
    domain: 0x1f,
    len: 64,
    out: '1e415f1c5983aff2169217277d17bb538cd945a397ddec541f1ce41af2c1b74c3e8ccae2a4dae56c84a04c2385c03c15e8193bdf58737363321691c05462c8df',
  },
  {
    label: 'M=00^0 D=1F L=10032 (last 32)',
    msg: new Uint8Array(0),
    domain: 0x1f,
    len: 10032,
    out: 'a3b9b0385900ce761f22aed548e754da10a5242d62e8c658e3f3a923a7555607',
    tail: true,
  },
  {
    label: 'M=ptn(17^0)',
    msg: ptn(1),
    domain: 0x1f,
    len: 32,
    out: '55cedd6f60af7bb29a4042ae832ef3f58db7299f893ebb9247247d856958daa9',
  },
  {
    label: 'M=ptn(17^1)',
    msg: ptn(17),
    domain: 0x1f,
    len: 32,
    out: '9c97d036a3bac819db70ede0ca554ec6e4c2a1a4ffbfd9ec269ca6a111161233',
  },
  {
    label: 'M=ptn(17^2)',
    msg: ptn(17 ** 2),
    domain: 0x1f,
    len: 32,
    out: '96c77c279e0126f7fc07c9b07f5cdae1e0be60bdbe10620040e75d7223a624d2',
  },
  {
    label: 'M=ptn(17^3)',
    msg: ptn(17 ** 3),
    domain: 0x1f,
    len: 32,
    out: 'd4976eb56bcf118520582b709f73e1d6853e001fdaf80e1b13e0d0599d5fb372',
  },
  {
    label: 'M=ptn(17^4)',
    msg: ptn(17 ** 4),
    domain: 0x1f,
    len: 32,
    out: 'da67c7039e98bf530cf7a37830c6664e14cbab7f540f58403b1b82951318ee5c',
  },
  {
    label: 'M=ptn(17^5)',
    msg: ptn(17 ** 5),
    domain: 0x1f,
    len: 32,
    out: 'b97a906fbf83ef7c812517abf3b2d0aea0c4f60318ce11cf103925127f59eecd',
  },
  {
    label: 'M=ptn(17^6)',
    msg: ptn(17 ** 6),
    domain: 0x1f,
    len: 32,
    out: '35cd494adeded2f25239af09a7b8ef0c4d1ca4fe2d1ac370fa63216fe7b4c2b1',
  },
  {
    label: 'M=FF FF FF D=01',
    msg: new Uint8Array([0xff, 0xff, 0xff]),
    domain: 0x01,
    len: 32,
    out: 'bf323f940494e88ee1c540fe660be8a0c93f43d15ec006998462fa994eed5dab',
  },
  {
    label: 'M=FF D=06',
    msg: new Uint8Array([0xff]),
    domain: 0x06,
    len: 32,
    out: '8ec9c66465ed0d4a6c35d13506718d687a25cb05c74cca1e42501abd83874a67',
  },
  {
    label: 'M=FF FF FF D=07',
    msg: new Uint8Array([0xff, 0xff, 0xff]),
    domain: 0x07,
    len: 32,
    out: 'b658576001cad9b1e5f399a9f77723bba05458042d68206f7252682dba3663ed',
  },
  {
    label: 'M=FF^7 D=0B',
    msg: new Uint8Array(7).fill(0xff),
    domain: 0x0b,
    len: 32,
    out: '8deeaa1aec47ccee569f659c21dfa8e112db3cee37b18178b2acd805b799cc37',
  },
  {
    label: 'M=FF D=30',
    msg: new Uint8Array([0xff]),
    domain: 0x30,
    len: 32,
    out: '553122e2135e363c3292bed2c6421fa232bab03daa07c7d6636603286506325b',
  },
  {
    label: 'M=FF FF FF D=7F',
    msg: new Uint8Array([0xff, 0xff, 0xff]),
    domain: 0x7f,
    len: 32,
    out: '16274cc656d44cefd422395d0f9053bda6d28e122aba15c765e5ad0e6eaf26f9',
  },
];

/** Splits `total` into pieces of the given repeating sizes (the last piece may be shorter). */
function pieces(total: number, sizes: number[]): number[] {
  const out: number[] = [];
  for (let at = 0, k = 0; at < total; k++) {
    const s = Math.min(sizes[k % sizes.length], total - at);
    out.push(s);
    at += s;
  }
  return out;
}

function tailOf(k: Known, output: Uint8Array): string {
  return hex(k.tail === true ? output.subarray(output.length - 32) : output);
}

describe.each(backends)('TurboSHAKE128 RFC 9861 known answers (%s)', (_name, x) => {
  it.each(KNOWN.map((k) => [k.label, k] as const))('%s in one call', (_label, k) => {
    const out = x.turboShake128(k.domain).absorb(k.msg).squeeze(k.len);
    expect(out.length).toBe(k.len);
    expect(tailOf(k, out)).toBe(k.out);
  });

  it.each(KNOWN.map((k) => [k.label, k] as const))('%s in uneven pieces', (_label, k) => {
    const ts = x.turboShake128(k.domain);
    let at = 0;
    for (const s of pieces(k.msg.length, [1, 167, 168, 169, 0, 5000, 3])) {
      ts.absorb(k.msg.subarray(at, at + s));
      at += s;
    }
    ts.absorb(new Uint8Array(0));

    const out = new Uint8Array(k.len);
    at = 0;
    for (const s of pieces(k.len, [0, 1, 7, 168, 161, 336, 2])) {
      if (s % 2 === 0) {
        out.set(ts.squeeze(s), at);
      } else {
        ts.squeezeInto(out.subarray(at, at + s));
      }
      at += s;
    }
    expect(tailOf(k, out)).toBe(k.out);
  });
});
