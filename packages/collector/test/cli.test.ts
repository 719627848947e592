// Tests of pm-collector run in-process against the fake Leader: task and key files, token,
// query options, output formats, exit statuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calibrateDiscreteGaussian,
  rationalToNumber,
  base64UrlEncode,
  encodeHpkeConfig,
  encodeTaskConfiguration,
} from '@private-measurement/protocol';
import { runCli, parseDuration, parseTime, TOKEN_ENV, type CliIo } from '../src/cli/main.js';
import { parseKeyFile, parseTaskFile } from '../src/cli/config.js';
import { ParamError } from '../src/index.js';
import {
  aggregateShares,
  collectionJobResp,
  histogram,
  makeTask,
  sendProblem,
  sendResp,
  startLeader,
  type FakeLeader,
  type TestTask,
} from './fake-leader.js';

const MEASUREMENTS = [1, 1, 2, 0, 3];
let leader: FakeLeader;
let task: TestTask;
let files: Record<string, string>;

beforeAll(async () => {
  leader = await startLeader();
  task = await makeTask(leader.url);
  const shares = aggregateShares(task, MEASUREMENTS);
  leader.handle(async (req, res) => {
    sendResp(
      res,
      await collectionJobResp(task, req.body, shares, MEASUREMENTS.length),
      201,
      '/dap/j',
    );
  });
  files = {
    'task.json': JSON.stringify({
      taskId: base64UrlEncode(task.taskId),
      taskConfiguration: base64UrlEncode(encodeTaskConfiguration(task.taskConfiguration)),
      noise: { mechanism: 'discrete-laplace', scale: 1 },
    }),
    'key.json': JSON.stringify({
      hpkeConfig: base64UrlEncode(encodeHpkeConfig(task.collectorKey.config)),
      privateKey: base64UrlEncode(task.collectorKey.privateKey),
    }),
    token: 'cli-token\n',
  };
});

afterAll(async () => {
  await leader.close();
});

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    readFile: async (path) => {
      if (!(path in files)) throw new Error('ENOENT');
      return files[path];
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

// 2026-01-01T00:00:00Z is a multiple of the test task's 3600 s time precision.
const COLLECT = ['collect', '--task', 'task.json', '--key', 'key.json', '--token-file', 'token'];
const WINDOW = ['--start', '2026-01-01T00:00:00Z', '--duration', '1d'];

describe('pm-collector collect', () => {
  it('prints the result as CSV, sending the token and the interval in time units', async () => {
    leader.received.length = 0;
    const r = await run([...COLLECT, ...WINDOW, '--format', 'csv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('bucket,value,low,high');
    const values = lines.slice(1).map((l) => BigInt(l.split(',')[1]));
    expect(values).toEqual(histogram(MEASUREMENTS));
    expect(leader.received[0].headers.authorization).toBe('Bearer cli-token');
  });

  it('prints a table and JSON, reading the token from the environment', async () => {
    const table = await run(['collect', '--task', 'task.json', '--key', 'key.json', ...WINDOW], {
      [TOKEN_ENV]: 'env-token',
    });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('vdaf: Prio3Histogram');
    expect(table.stdout).toContain('interval: 2026-01-01T00:00:00Z to 2026-01-02T00:00:00Z');
    expect(table.stdout).toContain('95% interval');
    const json = await run([...COLLECT, ...WINDOW, '--format', 'json', '--verbose']);
    expect(JSON.parse(json.stdout).values).toEqual(histogram(MEASUREMENTS).map(String));
    expect(json.stderr).toContain('pm-collector: created');
  });

  it('states noise turned off for testing: in the table, and on stderr for CSV and JSON', async () => {
    const shares = aggregateShares(task, MEASUREMENTS);
    leader.handle(async (req, res) => {
      res.setHeader('pm-dp-noise', 'leader=off-for-testing, helper=off-for-testing');
      sendResp(
        res,
        await collectionJobResp(task, req.body, shares, MEASUREMENTS.length),
        201,
        '/dap/j',
      );
    });
    const statement =
      'noise: OFF at the leader and the helper (test-only unsafeDisableNoiseForTesting): ' +
      'the values are exact and NOT differentially private';
    const table = await run([...COLLECT, ...WINDOW]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`${statement}\n`);
    expect(table.stdout).not.toContain('95% interval');
    expect(table.stderr).toBe('');
    for (const format of ['csv', 'json']) {
      const r = await run([...COLLECT, ...WINDOW, '--format', format]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`pm-collector: ${statement}\n`);
    }
    const csv = await run([...COLLECT, ...WINDOW, '--format', 'csv']);
    expect(csv.stdout.split('\n')[1]).toBe(`0,${histogram(MEASUREMENTS)[0]},,`);
    leader.handle(async (req, res) => {
      sendResp(
        res,
        await collectionJobResp(task, req.body, shares, MEASUREMENTS.length),
        201,
        '/dap/j',
      );
    });
  });

  it('prints the error code and exits 1 when the Leader aborts', async () => {
    const saved = leader.received.length;
    leader.handle((_req, res) =>
      sendProblem(res, 400, { type: 'urn:ietf:params:ppm:dap:error:batchOverlap' }),
    );
    const r = await run([...COLLECT, ...WINDOW]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pm-collector: PROBLEM: leader aborted with batchOverlap/);
    expect(r.stderr).not.toContain('cli-token');
    expect(leader.received.length).toBe(saved + 1);
  });

  it.each([
    [['collect', '--key', 'key.json', ...WINDOW], '--task: required'],
    [['collect', '--task', 'task.json', ...WINDOW], '--key: required'],
    [['collect', '--task', 'task.json', '--key', 'key.json', ...WINDOW], 'token: expected'],
    [[...COLLECT], 'query: expected --start and --duration'],
    [[...COLLECT, '--start', '1767225600', '--duration', '90m'], 'multiples of the time precision'],
    [[...COLLECT, '--start', 'yesterday', '--duration', '1h'], '--start: expected'],
    [[...COLLECT, ...WINDOW, '--format', 'xml'], '--format: expected'],
    [[...COLLECT, ...WINDOW, '--backend', 'gpu'], '--backend: expected'],
    [[...COLLECT, ...WINDOW, '--deadline', '0'], '--deadline: expected'],
    [[...COLLECT, ...WINDOW, '--leader-selected'], 'not with --start'],
    [['collect', '--task', 'missing.json', '--key', 'key.json', ...WINDOW], 'cannot read'],
    [['collect', '--task', 'token', '--key', 'key.json', ...WINDOW], 'is not JSON'],
    [[...COLLECT, ...WINDOW, '--bogus'], "Unknown option '--bogus'"],
    [['frobnicate'], 'command: expected collect or keygen'],
  ])('exits 2 on %j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('usage:');
  });

  it('prints usage on --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pm-collector collect');
  });
});

describe('pm-collector keygen', () => {
  it('prints a key file the collect command accepts', async () => {
    const r = await run(['keygen', '--id', '7']);
    expect(r.code).toBe(0);
    const key = parseKeyFile(JSON.parse(r.stdout));
    expect(key.config.id).toBe(7);
    expect(key.config.kemId).toBe(0x20);
    expect(key.privateKey).toHaveLength(32);
    expect((await run(['keygen', '--id', '256'])).code).toBe(2);
  });
});

describe('files and arguments', () => {
  it("reads the aggregator's task specification, with dp calibrated", () => {
    // The aggregator's task specification, with fields the Collector ignores.
    const t = parseTaskFile({
      taskId: base64UrlEncode(task.taskId),
      role: 'leader',
      taskInfo: 'collector test',
      leaderEndpoint: leader.url,
      helperEndpoint: 'https://helper.example/dap',
      timePrecision: 3600,
      minBatchSize: 3,
      batchMode: 'time_interval',
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
      vdafVerifyKey: base64UrlEncode(new Uint8Array(32)),
      dp: { mechanism: 'discrete-laplace', epsilon: 0.5 },
    });
    // The same fields give the same encoded configuration, hence the same AAD.
    expect(encodeTaskConfiguration(t.taskConfiguration)).toEqual(
      encodeTaskConfiguration(task.taskConfiguration),
    );
    // Histogram, replace-one: one report moves 1 from one bucket to another, scale = 2 / epsilon.
    expect(t.noise).toEqual({ mechanism: 'discrete-laplace', scale: 4, aggregators: 2 });
  });

  it.each([
    [null],
    [{}],
    [{ taskId: 'short' }],
    [{ taskId: base64UrlEncode(new Uint8Array(32)) }],
    [{ taskId: base64UrlEncode(new Uint8Array(32)), taskConfiguration: 'AAAA' }],
    [{ taskId: base64UrlEncode(new Uint8Array(32)), leaderEndpoint: 'x', batchMode: 'weekly' }],
    [
      {
        taskId: base64UrlEncode(new Uint8Array(32)),
        taskInfo: 'x',
        leaderEndpoint: 'https://l/',
        helperEndpoint: 'https://h/',
        timePrecision: 0,
        minBatchSize: 1,
        batchMode: 'time_interval',
        vdaf: { type: 'Prio3Count' },
      },
    ],
    [
      {
        taskId: base64UrlEncode(new Uint8Array(32)),
        taskInfo: 'x',
        leaderEndpoint: 'https://l/',
        helperEndpoint: 'https://h/',
        timePrecision: 60,
        minBatchSize: 1,
        batchMode: 'time_interval',
        vdaf: { type: 'Prio3Bogus' },
      },
    ],
  ])('rejects the task file %j with ParamError', (json) => {
    expect(() => parseTaskFile(json)).toThrow(ParamError);
  });

  it('rejects a task file with invalid noise', () => {
    const json = {
      taskId: base64UrlEncode(new Uint8Array(32)),
      taskConfiguration: base64UrlEncode(encodeTaskConfiguration(task.taskConfiguration)),
      noise: { mechanism: 'discrete-laplace', scale: -1 },
    };
    expect(() => parseTaskFile(json)).toThrow(ParamError);
    expect(
      parseTaskFile({ ...json, noise: { mechanism: 'discrete-gaussian', sigma: 3 } }).noise,
    ).toEqual({ mechanism: 'discrete-gaussian', sigma: 3, aggregators: 2 });
    const both = { ...json, dp: { mechanism: 'discrete-laplace', epsilon: 1 } };
    expect(() => parseTaskFile(both)).toThrow(ParamError);
    const bare = { taskId: json.taskId, taskConfiguration: json.taskConfiguration };
    for (const dp of [
      { mechanism: 'discrete-laplace', epsilon: 0 },
      { mechanism: 'discrete-gaussian', epsilon: 1 },
      { mechanism: 'discrete-gaussian', epsilon: 1, delta: 1 },
      { mechanism: 'laplace', epsilon: 1 },
    ]) {
      expect(() => parseTaskFile({ ...bare, dp })).toThrow(ParamError);
    }
    // The Aggregators' sigma^2 for a histogram (squared L2 sensitivity 2 under replace-one).
    const g = parseTaskFile({
      ...bare,
      dp: { mechanism: 'discrete-gaussian', epsilon: 0.5, delta: 1e-6 },
    });
    expect(g.noise).toEqual({
      mechanism: 'discrete-gaussian',
      sigma: Math.sqrt(rationalToNumber(calibrateDiscreteGaussian(2n, 0.5, 1e-6))),
      aggregators: 2,
    });
  });

  it.each([[{}], [{ hpkeConfig: 'AAAA', privateKey: 'AAAA' }], [{ hpkeConfig: 5 }]])(
    'rejects the key file %j with ParamError',
    (json) => {
      expect(() => parseKeyFile(json)).toThrow(ParamError);
    },
  );

  it('parses times and durations', () => {
    expect(parseTime('1767225600')).toBe(1767225600n);
    expect(parseTime('2026-01-01T00:00:00Z')).toBe(1767225600n);
    expect(() => parseTime('2026-01-01T00:00:00.5Z')).toThrow(ParamError);
    expect([
      parseDuration('90'),
      parseDuration('2m'),
      parseDuration('3h'),
      parseDuration('1d'),
    ]).toEqual([90n, 120n, 10800n, 86400n]);
    expect(() => parseDuration('1w')).toThrow(ParamError);
  });
});
