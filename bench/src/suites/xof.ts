// Benchmark suite "xof": TurboSHAKE128 (RFC 9861) squeeze and absorb throughput, and
// XofTurboShake128 (draft-irtf-cfrg-vdaf-20 §6.2) derive_seed and expand_into_vec, on the WASM
// kernels, the pure-TS twin and @noble/hashes' turboshake128 as the peer.
import { turboshake128 } from '@noble/hashes/sha3-addons.js';
import { getBackend, type Backend, type BackendKind } from '@private-measurement/core-wasm';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const GROUP = 'xof';
const PEER = 'peer:@noble/hashes';

/** Bytes per squeeze or absorb operation. */
const STREAM_BYTES = 16384;

/** Vector lengths of expand_into_vec when none are asked for. */
const DEFAULT_SIZES = [1024, 65536];
const QUICK_SIZES = [1024];

function filled(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 73 + 11) & 0xff);
}

/** The backends that can be built here; one that cannot is reported and left out. */
function backends(): Backend[] {
  const out: Backend[] = [];
  for (const kind of ['wasm', 'ts'] as BackendKind[]) {
    try {
      out.push(getBackend(kind));
    } catch (e) {
      console.error(`bench xof: backend ${kind} unavailable: ${(e as Error).message}`);
    }
  }
  return out;
}

function streamCases(bs: Backend[]): BenchCase[] {
  const cases: BenchCase[] = [];
  const data = filled(STREAM_BYTES);
  const out = new Uint8Array(STREAM_BYTES);
  const params = { bytes: STREAM_BYTES };
  const common = { group: GROUP, params, unitsPerOp: STREAM_BYTES, unit: 'byte' };

  // Squeeze: one long-lived stream, STREAM_BYTES more output per operation.
  for (const b of bs) {
    const s = b.turboShake128(0x1f).absorb(data.subarray(0, 32));
    cases.push({
      ...common,
      name: 'TurboSHAKE128 squeeze',
      backend: b.kind,
      fn: () => s.squeezeInto(out),
    });
  }
  const peerOut = turboshake128.create({ D: 0x1f }).update(data.subarray(0, 32));
  cases.push({
    ...common,
    name: 'TurboSHAKE128 squeeze',
    backend: PEER,
    fn: () => void peerOut.xofInto(out),
  });

  // Absorb: one long-lived stream that is never squeezed, STREAM_BYTES more input per operation.
  for (const b of bs) {
    const s = b.turboShake128(0x1f);
    cases.push({
      ...common,
      name: 'TurboSHAKE128 absorb',
      backend: b.kind,
      fn: () => void s.absorb(data),
    });
  }
  const peerIn = turboshake128.create({ D: 0x1f });
  cases.push({
    ...common,
    name: 'TurboSHAKE128 absorb',
    backend: PEER,
    fn: () => void peerIn.update(data),
  });
  return cases;
}

function xofCases(bs: Backend[], sizes: number[]): BenchCase[] {
  const cases: BenchCase[] = [];
  const seed = filled(32);
  const dst = filled(12);
  const binder = filled(16);
  // The framed XofTurboShake128 message, for the peer, which hashes it directly.
  const msg = new Uint8Array([dst.length, 0, ...dst, seed.length, ...seed, ...binder]);

  for (const b of bs) {
    cases.push({
      name: 'XofTurboShake128 derive_seed',
      group: GROUP,
      backend: b.kind,
      unitsPerOp: 1,
      unit: 'seed',
      fn: () => void b.deriveSeed(seed, dst, binder),
    });
  }
  cases.push({
    name: 'XofTurboShake128 derive_seed',
    group: GROUP,
    backend: PEER,
    unitsPerOp: 1,
    unit: 'seed',
    fn: () => void turboshake128(msg, { D: 1, dkLen: 32 }),
  });

  for (const fieldName of ['Field64', 'Field128'] as const) {
    for (const n of sizes) {
      const name = `XofTurboShake128 expandIntoVec ${fieldName}`;
      const common = { name, group: GROUP, params: { n }, unitsPerOp: n, unit: 'elem' };
      for (const b of bs) {
        const field = b[fieldName];
        cases.push({
          ...common,
          backend: b.kind,
          fn: () => void b.expandIntoVec(field, seed, dst, binder, n),
        });
      }
      // The peer only produces the raw stream of the same length (no sampling): a lower bound.
      const size = fieldName === 'Field64' ? 8 : 16;
      cases.push({
        ...common,
        backend: PEER,
        fn: () => void turboshake128(msg, { D: 1, dkLen: n * size }),
      });
    }
  }
  return cases;
}

/** TurboSHAKE128 and XofTurboShake128 throughput: WASM, the TS twin and @noble/hashes. */
const suite: Suite = {
  name: 'xof',
  description:
    'TurboSHAKE128 squeeze/absorb (bytes/s) and XofTurboShake128 derive_seed and ' +
    'expandIntoVec over Field64/Field128 (elements/s); the @noble/hashes peer for ' +
    'expandIntoVec squeezes the raw stream only, without rejection sampling',
  cases(options: SuiteOptions): BenchCase[] {
    const sizes = options.sizes ?? (options.quick ? QUICK_SIZES : DEFAULT_SIZES);
    const bs = backends();
    return [...streamCases(bs), ...xofCases(bs, sizes)];
  },
};

export default suite;
