// The synchronous input-share opener against the protocol package's HPKE (@hpke/core): it opens
// what `sealReport` seals to the same plaintext as `openInputShare`, and refuses anything
// tampered with, an unknown config ID or a wrong role with an HpkeError.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  BatchMode,
  generateHpkeKeypair,
  HpkeError,
  makeTaskConfiguration,
  openInputShare,
  Role,
  sealReport,
  type HpkeKeypair,
  type Report,
} from '@private-measurement/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputShareOpener } from '../src/core/input-share-opener.js';

const taskId = new Uint8Array(32).fill(7);
const taskConfiguration = makeTaskConfiguration({
  taskInfo: new TextEncoder().encode('opener test'),
  leaderAggregatorEndpoint: 'https://leader.example/dap/',
  helperAggregatorEndpoint: 'https://helper.example/',
  timePrecision: 3600n,
  minBatchSize: 10n,
  batchMode: BatchMode.time_interval,
  vdaf: { type: 'Prio3Count' },
});
let leader: HpkeKeypair;
let helper: HpkeKeypair;
let reports: Report[];

beforeAll(async () => {
  leader = await generateHpkeKeypair(3);
  helper = await generateHpkeKeypair(250);
  reports = [];
  for (let i = 0; i < 8; i++) {
    reports.push(
      await sealReport({
        taskId,
        taskConfiguration,
        leaderHpkeConfig: leader.config,
        helperHpkeConfig: helper.config,
        reportId: new Uint8Array(randomBytes(16)),
        time: 490_000n + BigInt(i),
        publicShare: new Uint8Array(randomBytes(i * 5)),
        leaderInputShare: new Uint8Array(randomBytes(1 + i * 37)),
        helperInputShare: new Uint8Array(randomBytes(32)),
      }),
    );
  }
});

function open(o: InputShareOpener, r: Report, role: 2 | 3, patch: Partial<Report> = {}) {
  const x = { ...r, ...patch };
  return o.openInputShare(
    taskId,
    taskConfiguration,
    x.reportMetadata,
    x.publicShare,
    role === Role.leader ? x.leaderEncryptedInputShare : x.helperEncryptedInputShare,
  );
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HpkeError);
    return (e as HpkeError).code;
  }
  return 'opened';
}

describe('InputShareOpener', () => {
  it('opens what sealReport sealed, exactly as openInputShare does, for both roles', async () => {
    const forLeader = new InputShareOpener([helper, leader], Role.leader);
    const forHelper = new InputShareOpener([leader, helper], Role.helper);
    for (const r of reports) {
      const common = {
        taskId,
        taskConfiguration,
        reportMetadata: r.reportMetadata,
        publicShare: r.publicShare,
      };
      const l = await openInputShare({
        ...common,
        role: Role.leader,
        keys: leader,
        encryptedInputShare: r.leaderEncryptedInputShare,
      });
      const h = await openInputShare({
        ...common,
        role: Role.helper,
        keys: helper,
        encryptedInputShare: r.helperEncryptedInputShare,
      });
      expect(open(forLeader, r, Role.leader)).toEqual(l);
      expect(open(forHelper, r, Role.helper)).toEqual(h);
    }
  });

  it('refuses a wrong role, unknown config IDs and tampered enc, payload, metadata or AAD', () => {
    const o = new InputShareOpener([leader], Role.leader);
    const wrongRole = new InputShareOpener([leader], Role.helper);
    const r = reports[3];
    const ct = r.leaderEncryptedInputShare;
    expect(code(() => open(wrongRole, r, Role.leader))).toBe('HPKE_OPEN');
    expect(code(() => open(o, r, Role.helper))).toBe('HPKE_UNKNOWN_CONFIG');
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice();
      c[i] ^= 1;
      return c;
    };
    const cases: Partial<Report>[] = [
      { leaderEncryptedInputShare: { ...ct, enc: flip(ct.enc, 5) } },
      { leaderEncryptedInputShare: { ...ct, enc: ct.enc.slice(1) } },
      { leaderEncryptedInputShare: { ...ct, enc: new Uint8Array(32) } },
      { leaderEncryptedInputShare: { ...ct, payload: flip(ct.payload, 0) } },
      { leaderEncryptedInputShare: { ...ct, payload: flip(ct.payload, ct.payload.length - 1) } },
      { leaderEncryptedInputShare: { ...ct, payload: ct.payload.slice(0, 15) } },
      { reportMetadata: { ...r.reportMetadata, time: r.reportMetadata.time + 1n } },
      { publicShare: new Uint8Array([...r.publicShare, 0]) },
    ];
    for (const patch of cases) expect(code(() => open(o, r, Role.leader, patch))).toBe('HPKE_OPEN');
  });

  it('throws only HpkeError on random ciphertexts', () => {
    const o = new InputShareOpener([leader], Role.leader);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        (enc, payload) => {
          const c = code(() =>
            o.open({ configId: leader.config.id, enc, payload }, new Uint8Array(0)),
          );
          expect(c).toBe('HPKE_OPEN');
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});
