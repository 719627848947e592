// Input-share opening as the aggregator does it: the protocol package's openInputShare with keys
// prepared once (HpkeRecipientKeys), many opens at once through mapBounded. What sealReport
// seals opens for both roles; a wrong role, an unknown config ID, tampered enc, payload,
// metadata or public share, and random ciphertexts give HpkeError only (hpke_decrypt_error). A
// Helper rereads its keys for a share sealed to a key another process just created.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  BatchMode,
  decodeHpkeConfig,
  generateHpkeKeypair,
  HpkeError,
  HpkeRecipientKeys,
  inputShareReportError,
  makeTaskConfiguration,
  openInputShare,
  ReportError,
  Role,
  sealReport,
  type HpkeKeypair,
  type Report,
} from '@private-measurement/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../src/aggregator.js';
import { INPUT_SHARE_CONCURRENCY, mapBounded } from '../src/core/map-bounded.js';
import {
  awaitCollection,
  deploy,
  makeReports,
  openResult,
  postCollection,
  quietLogger,
  timeIntervalCollectionReq,
  upload,
} from './harness.js';

const taskId = new Uint8Array(32).fill(7);
const params = {
  taskInfo: new TextEncoder().encode('input share test'),
  leaderAggregatorEndpoint: 'https://leader.example/dap/',
  helperAggregatorEndpoint: 'https://helper.example/',
  timePrecision: 3600n,
  minBatchSize: 10n,
  batchMode: BatchMode.time_interval,
  vdaf: { type: 'Prio3Count' } as const,
};
const taskConfiguration = makeTaskConfiguration(params);
let leader: HpkeKeypair;
let helper: HpkeKeypair;
let reports: Report[];
const leaderShares: Uint8Array[] = [];

beforeAll(async () => {
  leader = await generateHpkeKeypair(3);
  helper = await generateHpkeKeypair(250);
  reports = [];
  for (let i = 0; i < 40; i++) {
    leaderShares.push(new Uint8Array(randomBytes(1 + i * 37)));
    reports.push(
      await sealReport({
        taskId,
        taskConfiguration,
        leaderHpkeConfig: leader.config,
        helperHpkeConfig: helper.config,
        reportId: new Uint8Array(randomBytes(16)),
        time: 490_000n + BigInt(i),
        publicShare: new Uint8Array(randomBytes(i * 5)),
        leaderInputShare: leaderShares[i],
        helperInputShare: new Uint8Array(randomBytes(32)),
      }),
    );
  }
});

function open(keys: HpkeRecipientKeys, r: Report, role: 2 | 3, patch: Partial<Report> = {}) {
  const x = { ...r, ...patch };
  return openInputShare({
    taskId,
    taskConfiguration,
    role,
    keys,
    reportMetadata: x.reportMetadata,
    publicShare: x.publicShare,
    encryptedInputShare:
      role === Role.leader ? x.leaderEncryptedInputShare : x.helperEncryptedInputShare,
  });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HpkeError);
    expect(inputShareReportError(e)).toBe(ReportError.hpke_decrypt_error);
    return (e as HpkeError).code;
  }
  return 'opened';
}

const flip = (b: Uint8Array, i: number) => {
  const c = b.slice();
  c[i] ^= 1;
  return c;
};

describe('mapBounded', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    for (const limit of [1, 3, INPUT_SHARE_CONCURRENCY]) {
      let inFlight = 0;
      let peak = 0;
      const items = Array.from({ length: 70 }, (_, i) => i);
      const out = await mapBounded(items, limit, async (x, i) => {
        expect(i).toBe(x);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, (x * 7) % 3));
        inFlight--;
        return x * 2;
      });
      expect(out).toEqual(items.map((x) => x * 2));
      expect(peak).toBe(Math.min(limit, items.length));
    }
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = mapBounded(
      Array.from({ length: 50 }, (_, i) => i),
      2,
      async (x) => {
        started.push(x);
        await new Promise((r) => setTimeout(r, 1));
        if (x === 5) throw new RangeError('boom');
        return x;
      },
    );
    await expect(run).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 20));
    expect(Math.max(...started)).toBeLessThanOrEqual(6);
  });

  it('refuses a limit that is not a positive integer', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(mapBounded([1], limit, async (x) => x)).rejects.toThrow(RangeError);
    }
  });
});

describe('opening input shares through the protocol package', () => {
  it('opens what sealReport sealed for both roles, many at once, in order', async () => {
    const forLeader = await HpkeRecipientKeys.prepare([helper, leader]);
    const forHelper = await HpkeRecipientKeys.prepare([leader, helper]);
    const opened = await mapBounded(reports, INPUT_SHARE_CONCURRENCY, async (r) => ({
      l: await open(forLeader, r, Role.leader),
      h: await open(forHelper, r, Role.helper),
    }));
    opened.forEach(({ l, h }, i) => {
      expect(l.payload).toEqual(leaderShares[i]);
      expect(l.privateExtensions).toEqual([]);
      expect(h.payload.length).toBe(32);
    });
  });

  it('refuses a wrong role, unknown config IDs and tampered enc, payload, metadata or AAD', async () => {
    const keys = await HpkeRecipientKeys.prepare([leader]);
    const r = reports[3];
    const ct = r.leaderEncryptedInputShare;
    expect(await code(open(keys, r, Role.helper))).toBe('HPKE_UNKNOWN_CONFIG');
    // The helper's role in the info string: the leader's own key, the wrong recipient role.
    expect(await code(open(keys, { ...r, helperEncryptedInputShare: ct }, Role.helper))).toBe(
      'HPKE_OPEN',
    );
    const cases: Partial<Report>[] = [
      { leaderEncryptedInputShare: { ...ct, enc: flip(ct.enc, 5) } },
      { leaderEncryptedInputShare: { ...ct, enc: ct.enc.slice(1) } },
      { leaderEncryptedInputShare: { ...ct, enc: new Uint8Array(32) } },
      { leaderEncryptedInputShare: { ...ct, payload: flip(ct.payload, 0) } },
      { leaderEncryptedInputShare: { ...ct, payload: flip(ct.payload, ct.payload.length - 1) } },
      { leaderEncryptedInputShare: { ...ct, payload: ct.payload.slice(0, 15) } },
      { leaderEncryptedInputShare: { ...ct, payload: new Uint8Array(0) } },
      { reportMetadata: { ...r.reportMetadata, time: r.reportMetadata.time + 1n } },
      { reportMetadata: { ...r.reportMetadata, reportId: flip(r.reportMetadata.reportId, 0) } },
      { publicShare: new Uint8Array([...r.publicShare, 0]) },
    ];
    for (const patch of cases)
      expect(await code(open(keys, r, Role.leader, patch))).toBe('HPKE_OPEN');
    // Another task's configuration in the AAD.
    const other = makeTaskConfiguration({
      ...params,
      leaderAggregatorEndpoint: 'https://leader.example/dap',
    });
    const wrongTask = openInputShare({
      taskId,
      taskConfiguration: other,
      role: Role.leader,
      keys,
      reportMetadata: r.reportMetadata,
      publicShare: r.publicShare,
      encryptedInputShare: ct,
    });
    expect(await code(wrongTask)).toBe('HPKE_OPEN');
  });

  it('throws only HpkeError on random ciphertexts', async () => {
    const keys = await HpkeRecipientKeys.prepare([leader]);
    const r = reports[0];
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        async (enc, payload) => {
          const c = await code(
            open(keys, r, Role.leader, {
              leaderEncryptedInputShare: { configId: leader.config.id, enc, payload },
            }),
          );
          expect(c).toBe('HPKE_OPEN');
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('keys created by another process sharing the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pm-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are reread by the Helper for a share sealed to one, within the key cache time', async () => {
    let clock = Date.now();
    const helperStore = `sqlite:${join(dir, 'helper.db')}`;
    const d = await deploy({
      vdaf: { type: 'Prio3Count' },
      leaderStore: `sqlite:${join(dir, 'leader.db')}`,
      helperStore,
      helperOptions: { now: () => clock },
    });
    // A second Helper process on the same store rotates the key.
    const other = await createAggregator({ store: helperStore, logger: quietLogger });
    try {
      const before = await makeReports(d, [true, false, true]);
      expect((await upload(d, before)).status).toBe(200);
      await d.leader.runDriversOnce(); // the Helper has now cached its (old) key list
      const { created } = await other.rotateHpkeKey();
      clock += 2_000; // past the one-second reread guard, well within the 5 s cache
      const after = await makeReports(d, [true, true], undefined, {
        helper: decodeHpkeConfig(created.config),
      });
      expect(after[0].helperEncryptedInputShare.configId).toBe(created.configId);
      expect((await upload(d, after)).status).toBe(200);
      const req = timeIntervalCollectionReq(before[0].reportMetadata.time, 1n);
      const res = await awaitCollection(d, (await postCollection(d, req)).headers.get('location')!);
      const { result, reportCount } = await openResult(
        d,
        req,
        new Uint8Array(await res.arrayBuffer()),
      );
      expect(reportCount).toBe(5n);
      expect(result).toBe(4n);
    } finally {
      await other.close();
      await d.close();
    }
  });
});
