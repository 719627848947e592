// Runner for the official VDAF test-vector files (draft-irtf-cfrg-vdaf-20 Appendix C schema):
// builds the Prio3 instance from the file's name and parameters, replays every listed
// operation and compares each output with the file. Used by the tests and by `pm-vectors`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, BackendKind, FieldVec } from '@private-measurement/core-wasm';
import { ProtocolError } from '../errors.js';
import { PolyEval } from './gadgets.js';
import { measInt } from './circuits/range.js';
import { Prio3, resolveBackend } from './prio3.js';
import {
  PRIO3_ALGORITHM_IDS,
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Prio3SumVecWithMultiproof,
} from './variants.js';
import type { ValidCircuit } from './flp.js';

/** Outcome of one vector file. */
export interface VectorFileResult {
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped; the number of operations checked when it passed. */
  detail: string;
  /** Error codes raised by the operations the file marks as failing, in order. */
  failureCodes: string[];
}

type Json = null | boolean | number | string | bigint | Json[] | { [k: string]: Json };
type AnyPrio3 = Prio3<unknown, unknown>;

/** JSON.parse that keeps integers beyond 2^53 exact (as bigint). */
export function parseJsonBig(text: string): Json {
  const marked = text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"\\u0000big:$2"');
  return JSON.parse(marked, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith('\u0000big:') ? BigInt(v.slice(5)) : v,
  ) as Json;
}

function hex(s: Json): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new Error('vector: expected a hex string');
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function int(x: Json, name: string): number {
  if (typeof x === 'number' && Number.isSafeInteger(x)) return x;
  if (typeof x === 'bigint' && x <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(x);
  throw new Error(`vector: ${name} expected an integer`);
}

function bigOf(x: Json): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  if (typeof x === 'boolean') return x ? 1n : 0n;
  throw new Error('vector: expected an integer');
}

/** The degree-3 test circuit of the draft's reference tests (x(x-1)(x-2) over Field64). */
export function higherDegreeCircuit(backend: Backend): ValidCircuit<number | bigint, bigint> {
  const field = backend.Field64;
  return {
    field,
    gadgets: [new PolyEval([0n, 2n, -3n, 1n])],
    gadgetCalls: [1],
    measLen: 1,
    jointRandLen: 0,
    evalOutputLen: 1,
    outputLen: 1,
    encode: (m) => field.fromBigInts([measInt('measurement', m, field.modulus - 1n)]),
    truncate: (meas) => meas.slice(),
    decode: (out) => field.get(out, 0),
    wireInputs: (meas) => [meas],
    evalOutputs: (_m, _j, _n, g) => g[0],
  };
}

// The scope: every official vector but Poplar1, the IDPF and XofFixedKeyAes128.
const UNSUPPORTED = /^(Poplar1|Idpf|XofFixedKeyAes128)/;

/** The VDAF type named by a vector file name (the part before the first underscore). */
export function vdafTypeOf(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.json$/i, '');
  return base.split('_')[0];
}

/**
 * Infers (field, proofs) of a multiproof SumVec from the sizes of its messages.
 * Spec: the official schema does not record them for Prio3SumVecWithMultiproof; we take the
 * `field` and `proofs` keys when present, else the only pair consistent with the sizes.
 */
function inferMultiproof(
  v: Record<string, Json>,
  shares: number,
  length: number,
  max: bigint,
  chunk: number,
  backend: Backend,
): AnyPrio3 {
  if (typeof v.field === 'string' && (v.proofs ?? v.num_proofs) !== undefined) {
    const field = v.field as 'Field64' | 'Field128';
    const proofs = int(v.proofs ?? v.num_proofs, 'proofs');
    return new Prio3SumVecWithMultiproof(shares, field, proofs, length, max, chunk, {
      backend,
    }) as AnyPrio3;
  }
  const reports = v.reports as Record<string, Json>[];
  const leader = hex((reports[0].input_shares as Json[])[0]).length;
  const vshares = (reports[0].verifier_shares as Json[][] | undefined)?.[0];
  const verifier = vshares !== undefined && vshares.length > 0 ? hex(vshares[0]).length : -1;
  const candidates: AnyPrio3[] = [];
  for (const field of ['Field64', 'Field128'] as const) {
    const one = new Prio3SumVecWithMultiproof(shares, field, 1, length, max, chunk, { backend });
    const es = one.field.encodedSize;
    const rest = leader - 32 - one.flp.measLen * es;
    const per = one.flp.proofLen * es;
    if (rest <= 0 || rest % per !== 0 || rest / per > 255) continue;
    const proofs = rest / per;
    // The verifier share, when the file has one, must agree: VERIFIER_LEN * proofs + a seed.
    if (verifier >= 0 && verifier !== one.flp.verifierLen * proofs * es + 32) continue;
    candidates.push(
      new Prio3SumVecWithMultiproof(shares, field, proofs, length, max, chunk, {
        backend,
      }) as AnyPrio3,
    );
  }
  if (candidates.length !== 1) throw new Error('vector: cannot infer the field and proof count');
  return candidates[0];
}

/** Builds the Prio3 instance a vector file describes; null for unsupported types. */
export function instanceFor(
  type: string,
  v: Record<string, Json>,
  backend: Backend,
): AnyPrio3 | null {
  const shares = int(v.shares, 'shares');
  const o = { backend };
  switch (type) {
    case 'Prio3Count':
      return new Prio3Count(shares, o) as AnyPrio3;
    case 'Prio3Sum':
      return new Prio3Sum(shares, bigOf(v.max_measurement), o) as AnyPrio3;
    case 'Prio3SumVec':
      return new Prio3SumVec(
        shares,
        int(v.length, 'length'),
        bigOf(v.max_measurement),
        int(v.chunk_length, 'chunk_length'),
        o,
      ) as AnyPrio3;
    case 'Prio3SumVecWithMultiproof':
      return inferMultiproof(
        v,
        shares,
        int(v.length, 'length'),
        bigOf(v.max_measurement),
        int(v.chunk_length, 'chunk_length'),
        backend,
      );
    case 'Prio3Histogram':
      return new Prio3Histogram(
        shares,
        int(v.length, 'length'),
        int(v.chunk_length, 'chunk_length'),
        o,
      ) as AnyPrio3;
    case 'Prio3MultihotCountVec':
      return new Prio3MultihotCountVec(
        shares,
        int(v.length, 'length'),
        int(v.max_weight, 'max_weight'),
        int(v.chunk_length, 'chunk_length'),
        o,
      ) as AnyPrio3;
    case 'Prio3L1BoundSum':
      return new Prio3L1BoundSum(
        shares,
        int(v.length, 'length'),
        bigOf(v.max_value),
        int(v.chunk_length, 'chunk_length'),
        o,
      ) as AnyPrio3;
    case 'Prio3HigherDegree':
      return new Prio3({
        id: PRIO3_ALGORITHM_IDS.PrivateUse,
        shares,
        proofs: 1,
        backend,
        circuit: higherDegreeCircuit,
      }) as AnyPrio3;
    default:
      return null;
  }
}

/**
 * Checks an XofTurboShake128 vector (draft-irtf-cfrg-vdaf-20 §6.2.1): derive_seed, and
 * expand_into_vec for each `expanded_vec_<field>` key (field64 or field128) the file has.
 *
 * @returns the number of checks passed, or what differs.
 */
function runXofVector(v: Record<string, Json>, backend: Backend): number | string {
  const [seed, dst, binder] = [hex(v.seed), hex(v.dst), hex(v.binder)];
  if (toHex(backend.deriveSeed(seed, dst, binder)) !== v.derived_seed) {
    return 'xof: derived seed differs';
  }
  let checked = 1;
  const fields = { field64: backend.Field64, field128: backend.Field128 } as const;
  for (const [name, field] of Object.entries(fields)) {
    const want = v[`expanded_vec_${name}`];
    if (want === undefined) continue;
    const got = field.encode(
      backend.expandIntoVec(field, seed, dst, binder, int(v.length, 'length')),
    );
    if (toHex(got) !== want) return `xof: expanded vector over ${field.name} differs`;
    checked++;
  }
  if (checked === 1) return 'xof: no expanded_vec_field64 or expanded_vec_field128 to check';
  return checked;
}

/**
 * The measurement as the variant's shard takes it: the JSON value itself (integers beyond 2^53
 * arrive as bigint), so that an invalid one is refused by shard with ParamError.
 */
function measurementOf(m: Json): unknown {
  return m;
}

/** The aggregate result as our unshard returns it (bigint or bigint[]). */
function resultOf(r: Json): bigint | bigint[] {
  return Array.isArray(r) ? r.map(bigOf) : bigOf(r);
}

function sameResult(a: unknown, b: bigint | bigint[]): boolean {
  if (Array.isArray(b))
    return Array.isArray(a) && a.length === b.length && b.every((x, i) => a[i] === x);
  return a === b;
}

/**
 * Runs one vector file through one backend.
 *
 * @param fileName - the file's name (its prefix names the VDAF).
 * @param text - the file's JSON text.
 * @param backendKind - `'ts'`, `'wasm'` or a backend object.
 * @returns passed / failed / skipped with a detail line.
 */
export function runVectorFile(
  fileName: string,
  text: string,
  backendKind: BackendKind | Backend,
): VectorFileResult {
  const type = vdafTypeOf(fileName);
  const failureCodes: string[] = [];
  if (UNSUPPORTED.test(type)) {
    return { status: 'skipped', detail: `unsupported VDAF type ${type}`, failureCodes };
  }
  let step = 'parse';
  try {
    const v = parseJsonBig(text) as Record<string, Json>;
    const backend = resolveBackend(backendKind);
    if (type === 'XofTurboShake128') {
      step = 'xof';
      const checked = runXofVector(v, backend);
      if (typeof checked === 'string') return { status: 'failed', detail: checked, failureCodes };
      return { status: 'passed', detail: `${checked} operations`, failureCodes };
    }
    const vdaf = instanceFor(type, v, backend);
    if (vdaf === null)
      return { status: 'skipped', detail: `unsupported VDAF type ${type}`, failureCodes };
    const ctx = hex(v.ctx);
    const verifyKey = hex(v.verify_key);
    const reports = v.reports as Record<string, Json>[];
    const states = new Map<string, ReturnType<AnyPrio3['verifyInit']>['state']>();
    const outs = new Map<string, FieldVec>();
    let checked = 0;

    const fail = (what: string): VectorFileResult => ({
      status: 'failed',
      detail: what,
      failureCodes,
    });
    for (const op of v.operations as Record<string, Json>[]) {
      const name = op.operation as string;
      const r = op.report_index === undefined ? -1 : int(op.report_index, 'report_index');
      const agg = op.aggregator_id === undefined ? -1 : int(op.aggregator_id, 'aggregator_id');
      const rep = r >= 0 ? reports[r] : undefined;
      step = `${name} report ${r} aggregator ${agg}`;
      const run = (): string | null => {
        switch (name) {
          case 'shard': {
            const out = vdaf.shard(
              ctx,
              measurementOf(rep!.measurement),
              hex(rep!.nonce),
              hex(rep!.rand),
            );
            if (toHex(vdaf.encodePublicShare(out.publicShare)) !== rep!.public_share)
              return 'public share differs';
            const want = rep!.input_shares as string[];
            for (let j = 0; j < vdaf.shares; j++) {
              if (toHex(vdaf.encodeInputShare(out.inputShares[j])) !== want[j])
                return `input share ${j} differs`;
            }
            return null;
          }
          case 'verify_init': {
            const ps = vdaf.decodePublicShare(hex(rep!.public_share));
            const is = vdaf.decodeInputShare(agg, hex((rep!.input_shares as Json[])[agg]));
            const { state, verifierShare } = vdaf.verifyInit(
              verifyKey,
              ctx,
              agg,
              hex(rep!.nonce),
              ps,
              is,
            );
            states.set(`${r}/${agg}`, state);
            const want = ((rep!.verifier_shares as Json[][])[0] ?? [])[agg];
            if (toHex(vdaf.encodeVerifierShare(verifierShare)) !== want)
              return 'verifier share differs';
            return null;
          }
          case 'verifier_shares_to_message': {
            const shares = ((rep!.verifier_shares as Json[][])[0] ?? []).map((s) =>
              vdaf.decodeVerifierShare(hex(s)),
            );
            const msg = vdaf.verifierSharesToMessage(ctx, shares);
            if (toHex(vdaf.encodeVerifierMessage(msg)) !== (rep!.verifier_messages as Json[])[0])
              return 'verifier message differs';
            return null;
          }
          case 'verify_next': {
            const state = states.get(`${r}/${agg}`);
            if (state === undefined) return 'no verification state';
            const msg = vdaf.decodeVerifierMessage(hex((rep!.verifier_messages as Json[])[0]));
            const out = vdaf.verifyNext(ctx, state, msg);
            outs.set(`${r}/${agg}`, out);
            if (toHex(vdaf.encodeOutShare(out)) !== (rep!.out_shares as Json[])[agg])
              return 'output share differs';
            return null;
          }
          case 'aggregate': {
            const mine = reports
              .map((_, i) => outs.get(`${i}/${agg}`))
              .filter((o) => o !== undefined);
            const share = vdaf.aggregate(mine);
            if (toHex(vdaf.encodeAggShare(share)) !== (v.agg_shares as Json[])[agg])
              return 'aggregate share differs';
            return null;
          }
          case 'unshard': {
            const shares = (v.agg_shares as Json[]).map((s) => vdaf.decodeAggShare(hex(s)));
            const res = vdaf.unshard(shares, reports.length);
            if (!sameResult(res, resultOf(v.agg_result))) return 'aggregate result differs';
            return null;
          }
          default:
            return `unknown operation ${name}`;
        }
      };
      if (op.success === false) {
        try {
          run();
        } catch (e) {
          // A failing operation must fail with one of our typed errors, nothing else.
          if (!(e instanceof ProtocolError)) return fail(`${step}: untyped error ${String(e)}`);
          failureCodes.push(e.code);
          checked++;
          continue;
        }
        return fail(`${step}: expected failure, operation succeeded`);
      }
      const mismatch = run();
      if (mismatch !== null) return fail(`${step}: ${mismatch}`);
      checked++;
    }
    return { status: 'passed', detail: `${checked} operations`, failureCodes };
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { status: 'failed', detail: `${step}: ${msg}`, failureCodes };
  }
}

/**
 * Runs vector files of a directory through the given backends, printing one line per file
 * (PASS, FAIL or SKIP) and a last line `N passed, M failed`: the `pm-vectors` contract.
 *
 * @param dir - the directory.
 * @param names - file names in it, in the order to run them.
 * @param backends - backends every file must pass on.
 * @param print - receives each output line.
 * @returns the counts.
 */
export function runVectorDir(
  dir: string,
  names: readonly string[],
  backends: readonly BackendKind[],
  print: (line: string) => void,
): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const name of names) {
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch (e) {
      failed++;
      print(`FAIL ${name}: cannot read: ${(e as Error).message}`);
      continue;
    }
    const results = backends.map((k) => ({ k, r: runVectorFile(name, text, k) }));
    const bad = results.filter(({ r }) => r.status !== 'passed');
    if (results.every(({ r }) => r.status === 'skipped')) {
      skipped++;
      print(`SKIP ${name}: ${results[0].r.detail}`);
    } else if (bad.length > 0) {
      failed++;
      print(`FAIL ${name}: ${bad.map(({ k, r }) => `[${k}] ${r.detail}`).join('; ')}`);
    } else {
      passed++;
      print(`PASS ${name} (${backends.join(', ')}; ${results[0].r.detail})`);
    }
  }
  print(`${passed} passed, ${failed} failed`);
  return { passed, failed, skipped };
}
