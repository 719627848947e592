// pm-collector: runs a DAP-18 collection job from the command line and prints the noisy result
// with its 95% intervals as a table, JSON or CSV; also generates a Collector HPKE key.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BatchMode, generateHpkeKeypair } from '@private-measurement/protocol';
import { Collector, type CollectorQuery } from '../collector.js';
import { CollectorError, ParamError } from '../errors.js';
import { formatResult, noiseOffStatement, type ResultFormat } from '../format.js';
import { keyFileJson, parseKeyFile, parseTaskFile } from './config.js';

/** Where the CLI reads and writes; replaceable in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  /** The fetch implementation handed to the Collector. */
  fetch?: typeof fetch;
}

/** Environment variable holding the bearer token when no --token-file is given. */
export const TOKEN_ENV = 'PM_COLLECTOR_TOKEN';

/** The text of `pm-collector --help`. */
export const USAGE = `usage:
  pm-collector collect --task TASK.json --key KEY.json [--token-file FILE]
                       (--start TIME --duration DURATION | --leader-selected)
                       [--format table|json|csv] [--deadline SECONDS]
                       [--request-timeout SECONDS] [--backend wasm|ts] [--verbose]
  pm-collector keygen [--id N]
  pm-collector --help

collect   creates a collection job at the Leader, polls it, decrypts both aggregate shares,
          unshards them and prints the noisy result with a 95% interval per bucket
  --task             task file: taskId, taskConfiguration (or task), optional leaderUrl, noise
  --key              key file: the Collector's hpkeConfig and privateKey (from keygen)
  --token-file       file holding the bearer token; default the ${TOKEN_ENV} variable
  --start            batch interval start: POSIX seconds or an ISO 8601 time (UTC)
  --duration         batch interval length: seconds, or a number with s, m, h or d
  --leader-selected  collect the next batch the Leader selects (leader-selected tasks)
  --format           table (default), json or csv
  --deadline         give up polling after this many seconds (default 900)
  --request-timeout  seconds one HTTP request may take (default 30)
  --backend          wasm (default) or ts for unsharding
  --verbose          log job creation, polls and retries to stderr
keygen    prints a new key file (X25519 HPKE key pair) with config id N (default 1)

exit status: 0 done, 1 the collection failed (the error code is printed), 2 usage error`;

/**
 * Parses a time: POSIX seconds or an ISO 8601 date-time.
 *
 * @param text - the argument.
 * @returns seconds since the Epoch.
 * @throws {ParamError} when it is neither.
 */
export function parseTime(text: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms % 1000 !== 0) {
    throw new ParamError(`--start: expected POSIX seconds or an ISO 8601 time, received "${text}"`);
  }
  return BigInt(ms / 1000);
}

/**
 * Parses a duration: seconds, or a number followed by s, m, h or d.
 *
 * @param text - the argument.
 * @returns seconds.
 * @throws {ParamError} when it is not one.
 */
export function parseDuration(text: string): bigint {
  const m = /^(\d+)([smhd]?)$/.exec(text);
  if (m === null) {
    throw new ParamError(
      `--duration: expected seconds or a number with s, m, h or d, received "${text}"`,
    );
  }
  const unit = { '': 1n, s: 1n, m: 60n, h: 3600n, d: 86_400n }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return BigInt(m[1]) * unit;
}

function positiveSeconds(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ParamError(`--${name}: expected a positive number of seconds, received "${text}"`);
  }
  return n;
}

async function readJson(io: CliIo, path: string, name: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch {
    throw new ParamError(`--${name}: cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ParamError(`--${name}: ${path} is not JSON`);
  }
}

async function collect(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      task: { type: 'string' },
      key: { type: 'string' },
      'token-file': { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      'leader-selected': { type: 'boolean', default: false },
      format: { type: 'string', default: 'table' },
      deadline: { type: 'string' },
      'request-timeout': { type: 'string' },
      backend: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (values.task === undefined) throw new ParamError('--task: required');
  if (values.key === undefined) throw new ParamError('--key: required');
  const format = values.format as ResultFormat;
  if (!['table', 'json', 'csv'].includes(format)) {
    throw new ParamError(`--format: expected table, json or csv, received "${values.format}"`);
  }
  const backend = values.backend;
  if (backend !== undefined && backend !== 'wasm' && backend !== 'ts') {
    throw new ParamError(`--backend: expected wasm or ts, received "${backend}"`);
  }

  const task = parseTaskFile(await readJson(io, values.task, 'task'));
  const key = parseKeyFile(await readJson(io, values.key, 'key'));
  let token: string | undefined;
  if (values['token-file'] !== undefined) {
    try {
      token = (await io.readFile(values['token-file'])).trim();
    } catch {
      throw new ParamError(`--token-file: cannot read ${values['token-file']}`);
    }
  } else {
    token = io.env[TOKEN_ENV];
  }
  if (token === undefined || token === '') {
    throw new ParamError(`token: expected --token-file or the ${TOKEN_ENV} variable`);
  }

  const tp = task.taskConfiguration.timePrecision;
  let query: CollectorQuery;
  if (values['leader-selected']) {
    if (values.start !== undefined || values.duration !== undefined) {
      throw new ParamError('--leader-selected: not with --start or --duration');
    }
    query = { batchMode: 'leader_selected' };
  } else if (values.start !== undefined && values.duration !== undefined) {
    const start = parseTime(values.start);
    const duration = parseDuration(values.duration);
    // draft-ietf-ppm-dap-18 §4.1.1: the interval is counted in time_precision units.
    if (start % tp !== 0n || duration % tp !== 0n || duration === 0n) {
      throw new ParamError(
        `--start, --duration: expected non-zero multiples of the time precision (${tp} s)`,
      );
    }
    query = {
      batchMode: 'time_interval',
      batchInterval: { start: start / tp, duration: duration / tp },
    };
  } else if (task.taskConfiguration.batchMode === BatchMode.leader_selected) {
    query = { batchMode: 'leader_selected' };
  } else {
    throw new ParamError('query: expected --start and --duration, or --leader-selected');
  }

  const collector = new Collector({
    taskId: task.taskId,
    taskConfiguration: task.taskConfiguration,
    leaderUrl: task.leaderUrl,
    authToken: token,
    hpkeKeys: key,
    noise: task.noise,
    backend,
    fetch: io.fetch,
    requestTimeoutMs: positiveSeconds(values['request-timeout'], 'request-timeout', 30) * 1000,
    poll: { deadlineMs: positiveSeconds(values.deadline, 'deadline', 900) * 1000 },
    onEvent: values.verbose
      ? (e) =>
          io.stderr(
            e.type === 'created'
              ? `pm-collector: created ${e.location}\n`
              : e.type === 'pending'
                ? `pm-collector: pending, next poll in ${e.delayMs} ms\n`
                : `pm-collector: ${e.code}, retrying in ${e.delayMs} ms\n`,
          )
      : undefined,
  });
  const result = await collector.collect(query);
  io.stdout(formatResult(result, format));
  // The table states it; JSON and CSV carry no sentence, so say it where a person reads.
  const off = noiseOffStatement(result);
  if (off !== undefined && format !== 'table') io.stderr(`pm-collector: ${off}\n`);
  return 0;
}

async function keygen(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: { id: { type: 'string', default: '1' } },
  });
  const id = Number(values.id);
  if (!/^\d+$/.test(values.id ?? '') || id > 255) {
    throw new ParamError(`--id: expected an integer in 0..255, received "${values.id}"`);
  }
  io.stdout(JSON.stringify(keyFileJson(await generateHpkeKeypair(id)), null, 2) + '\n');
  return 0;
}

/**
 * Runs pm-collector.
 *
 * @param argv - the arguments after the program name.
 * @param io - output streams, environment and file access.
 * @returns the exit status: 0 done, 1 the collection failed, 2 usage error.
 * @example await runCli(['collect', '--task', 't.json', '--key', 'k.json', '--leader-selected'], io);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE + '\n');
      return command === undefined ? 2 : 0;
    }
    if (command === 'collect') return await collect(rest, io);
    if (command === 'keygen') return await keygen(rest, io);
    throw new ParamError(`command: expected collect or keygen, received "${command}"`);
  } catch (e) {
    if (
      e instanceof ParamError ||
      (e as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr(`pm-collector: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof CollectorError) {
      io.stderr(`pm-collector: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** The process's own I/O. */
export const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
};
