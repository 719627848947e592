// Configuration and task-specification validation: defaults, and one clear error per bad field
// that names the field and never echoes a secret.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, parseTaskSpec, type TaskSpec } from '../src/config.js';
import { taskFromSpec } from '../src/core/task.js';

const b64 = (n: number): string => randomBytes(n).toString('base64url');
// An encoded HpkeConfig: id 1, X25519 / HKDF-SHA256 / AES-128-GCM, a 32-byte key.
const collectorConfig = Buffer.from([
  1,
  0,
  0x20,
  0,
  1,
  0,
  1,
  0,
  32,
  ...new Uint8Array(32).fill(9),
]).toString('base64url');

function spec(extra: Partial<TaskSpec> = {}): Record<string, unknown> {
  return {
    taskId: b64(32),
    role: 'leader',
    leaderEndpoint: 'https://leader.example/dap/',
    helperEndpoint: 'https://helper.example/',
    taskInfo: 'conversions',
    timePrecision: 3600,
    minBatchSize: 100,
    batchMode: 'time_interval',
    vdaf: { type: 'Prio3Histogram', length: 10, chunkLength: 3 },
    vdafVerifyKey: b64(32),
    collectorHpkeConfig: collectorConfig,
    aggregatorAuthToken: 'a'.repeat(32),
    collectorAuthToken: 'c'.repeat(32),
    dp: { mechanism: 'discrete-laplace', epsilon: 1 },
    ...extra,
  };
}

describe('parseTaskSpec', () => {
  it('accepts a full specification and builds its task', () => {
    const parsed = parseTaskSpec(spec());
    const task = taskFromSpec(parsed);
    expect(task.config.leaderAggregatorEndpoint).toBe('https://leader.example/dap/');
    expect(task.minBatchSize).toBe(100);
    expect(task.vdaf.id).toBe(4);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['taskId length', { taskId: b64(31) }, /^task\.taskId: expected 32 bytes, received 31$/],
    ['taskId alphabet', { taskId: 'a+b/' }, /^task\.taskId: expected unpadded base64url/],
    ['role', { role: 'observer' }, /^task\.role: expected one of leader, helper/],
    [
      'endpoint scheme',
      { leaderEndpoint: 'ftp://x/' },
      /^task\.leaderEndpoint: expected an http\(s\) URL/,
    ],
    [
      'endpoint',
      { helperEndpoint: 'not a url' },
      /^task\.helperEndpoint: expected an absolute http\(s\) URL/,
    ],
    ['timePrecision', { timePrecision: 0 }, /^task\.timePrecision: expected an integer in \[1, /],
    ['minBatchSize', { minBatchSize: -1 }, /^task\.minBatchSize: expected an integer/],
    [
      'batchMode',
      { batchMode: 'fixed_size' },
      /^task\.batchMode: expected one of time_interval, leader_selected/,
    ],
    [
      'maxBatchSize mode',
      { maxBatchSize: 200 },
      /^task\.maxBatchSize: only allowed with batchMode leader_selected$/,
    ],
    ['vdaf type', { vdaf: { type: 'Poplar1' } }, /^task\.vdaf\.type: expected one of/],
    [
      'vdaf field',
      { vdaf: { type: 'Prio3Sum' } },
      /^task\.vdaf\.maxMeasurement: expected an integer/,
    ],
    ['vdaf extra', { vdaf: { type: 'Prio3Count', bits: 3 } }, /^task\.vdaf\.bits: unknown field$/],
    [
      'verify key',
      { vdafVerifyKey: b64(16) },
      /^task\.vdafVerifyKey: expected 32 bytes, received 16$/,
    ],
    [
      'dp mechanism',
      { dp: { mechanism: 'laplace', epsilon: 1 } },
      /^task\.dp\.mechanism: expected one of/,
    ],
    [
      'dp epsilon',
      { dp: { mechanism: 'discrete-laplace', epsilon: 0 } },
      /^task\.dp\.epsilon: expected a number in \(0, 100\]/,
    ],
    [
      'dp delta',
      { dp: { mechanism: 'discrete-gaussian', epsilon: 1 } },
      /^task\.dp\.delta: expected a number in \(0, 1\)/,
    ],
    ['unknown field', { colour: 'blue' }, /^task\.colour: unknown field$/],
    [
      'taskInterval',
      { taskInterval: { start: 0, duration: 0 } },
      /^task\.taskInterval\.duration: expected an integer in \[1, /,
    ],
  ];
  for (const [name, extra, message] of bad) {
    it(`names the bad field: ${name}`, () => {
      expect(() => parseTaskSpec(spec(extra as Partial<TaskSpec>))).toThrow(message);
      try {
        parseTaskSpec(spec(extra as Partial<TaskSpec>));
      } catch (e) {
        expect((e as { code: string }).code).toBe('CONFIG');
      }
    });
  }

  it('never echoes a bad token', () => {
    const secret = 'short!secret';
    let message = '';
    try {
      parseTaskSpec(spec({ aggregatorAuthToken: secret }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^task\.aggregatorAuthToken: expected a bearer token/);
    expect(message).not.toContain(secret);
  });

  it('requires the collector token on the leader only', () => {
    const { collectorAuthToken: _t, ...noToken } = spec();
    expect(() => parseTaskSpec(noToken)).toThrow(
      /^task\.collectorAuthToken: expected a bearer token/,
    );
    expect(() => parseTaskSpec(spec({ role: 'helper' }))).toThrow(
      /^task\.collectorAuthToken: only allowed for the leader$/,
    );
  });

  it('throws only ConfigError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseTaskSpec(v);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('CONFIG');
        }
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});

describe('parseConfig', () => {
  it('fills defaults', () => {
    const c = parseConfig({ store: 'sqlite:/tmp/x.db' });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.drivers.enabled).toBe(true);
    expect(c.unsafeDisableNoiseForTesting).toBe(false);
    expect(c.tasks).toEqual([]);
    expect(c.aggregationSyncMs).toBe(10_000);
    expect(parseConfig({ store: 'sqlite:x', aggregationSyncMs: 0 }).aggregationSyncMs).toBe(0);
  });

  it('names the bad field', () => {
    expect(() => parseConfig({})).toThrow(/^config\.store: expected a string/);
    expect(() => parseConfig({ store: 'mysql://x' })).toThrow(
      /^config\.store: expected sqlite:PATH or postgres:\/\/URL/,
    );
    expect(() => parseConfig({ store: 'sqlite:x', listen: { port: 70000 } })).toThrow(
      /^config\.listen\.port: expected an integer in \[0, 65535\]/,
    );
    expect(() => parseConfig({ store: 'sqlite:x', drivers: { leaseMs: 0 } })).toThrow(
      /^config\.drivers\.leaseMs: expected an integer/,
    );
    expect(() =>
      parseConfig({ store: 'sqlite:x', drivers: { minJobSize: 10, maxJobSize: 5 } }),
    ).toThrow(/^config\.drivers\.minJobSize/);
    expect(() =>
      parseConfig({ store: 'sqlite:x', tasks: [spec(), { ...spec(), taskId: 5 }] }),
    ).toThrow(/^config\.tasks\[1\]\.taskId: expected a string/);
    expect(() => parseConfig({ store: 'sqlite:x', unsafeDisableNoiseForTesting: 'yes' })).toThrow(
      /^config\.unsafeDisableNoiseForTesting: expected a boolean/,
    );
    expect(() => parseConfig({ store: 'sqlite:x', logLevel: 'loud' })).toThrow(
      /^config\.logLevel: expected one of/,
    );
    expect(() => parseConfig({ store: 'sqlite:x', extra: 1 })).toThrow(
      /^config\.extra: unknown field$/,
    );
    for (const bad of [-1, 1.5, '10', 3_600_001, null]) {
      expect(() => parseConfig({ store: 'sqlite:x', aggregationSyncMs: bad })).toThrow(
        /^config\.aggregationSyncMs: expected an integer in \[0, 3600000\]/,
      );
    }
    const dup = spec();
    expect(() => parseConfig({ store: 'sqlite:x', tasks: [dup, dup] })).toThrow(
      /^config\.tasks\[1\]\.taskId: duplicate task ID$/,
    );
  });
});
