// Aggregator child processes for the kill tests: spawn test/support/aggregator-process.mjs on the
// built package, wait (bounded) for its port, SIGKILL it, restart it on the same port and store.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { DriverConfig, TaskSpec } from '../../src/config.js';

const pkg = join(import.meta.dirname, '..', '..');
const script = join(import.meta.dirname, 'aggregator-process.mjs');
const cli = join(pkg, 'bin', 'pm-aggregator.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than src/ (`npm test` builds first: turbo's test
 * task depends on build, so there dist/ is current and nothing is rebuilt).
 *
 * @returns once dist/index.js is current.
 * @throws {Error} when the build fails.
 */
export async function ensureBuilt(): Promise<void> {
  const built = join(pkg, 'dist', 'index.js');
  const current = () =>
    existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(pkg, 'src'));
  // Test files run in parallel workers: one builds while the others wait (bounded).
  const lock = join(tmpdir(), 'pm-aggregator-kill-build.lock');
  for (let waited = 0; !current(); waited += 200) {
    try {
      mkdirSync(lock);
    } catch {
      if (waited > 120_000) throw new Error(`ensureBuilt: ${lock} held for over 120 s`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: pkg });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    return;
  }
}

/** Children still running, killed when the test worker exits. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** What an aggregator process runs with. */
export interface ProcessOptions {
  /** Names the process in logs and in the `x-pm-test-sender` header of its peer requests. */
  name: string;
  store: string;
  tasks: TaskSpec[];
  drivers: Partial<DriverConfig>;
  /** Fixed port (restarts); 0 or absent for an ephemeral one. */
  port?: number;
  /** Helper: how long an init request is answered synchronously (0: always asynchronously). */
  aggregationSyncMs?: number;
  /**
   * Runs the packaged CLI (`bin/pm-aggregator.js serve --config FILE`) instead of the test
   * script; its peer requests then carry no `x-pm-test-sender` header.
   */
  cli?: boolean;
}

/** The CLI's configuration file for these options (see `parseConfig`). */
function cliConfig(o: ProcessOptions): Record<string, unknown> {
  return {
    store: o.store,
    listen: { host: '127.0.0.1', port: o.port ?? 0 },
    tasks: o.tasks,
    drivers: o.drivers,
    // info: the CLI announces its port in its `listening` record.
    logLevel: 'info',
    unsafeDisableNoiseForTesting: true,
    ...(o.aggregationSyncMs === undefined ? {} : { aggregationSyncMs: o.aggregationSyncMs }),
  };
}

/** A running aggregator process. */
export interface AggregatorProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly options: ProcessOptions;
  /** Resolves when the process has exited (code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process and waits for its exit. */
  kill(): Promise<void>;
  /** SIGTERMs the process (graceful stop) and waits for its exit, SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
  /** The last lines the process wrote to stderr (warnings, errors), for failure messages. */
  stderr(): string;
  /** How many log records (warn and above) with this message the process wrote so far. */
  logCount(msg: string): number;
}

/**
 * Starts an aggregator process and waits until it listens.
 *
 * @param options - see `ProcessOptions`.
 * @param dir - where the options file is written.
 * @param timeoutMs - bound on the start-up.
 * @returns the running process.
 * @throws {Error} when it exits or stays silent for `timeoutMs`.
 */
export async function startAggregator(
  options: ProcessOptions,
  dir: string,
  timeoutMs = 20_000,
): Promise<AggregatorProcess> {
  const file = join(dir, `${options.name}-${Date.now()}-${Math.random()}.json`);
  writeFileSync(file, JSON.stringify(options.cli === true ? cliConfig(options) : options));
  const args = options.cli === true ? [cli, 'serve', '--config', file] : [script, file];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: pkg,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errLines: string[] = [];
  const messages = new Map<string, number>();
  /** Counts a pino record's message; the CLI logs on stdout, the test script on stderr. */
  const countRecord = (line: string): Record<string, unknown> | undefined => {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (typeof record.msg === 'string')
        messages.set(record.msg, (messages.get(record.msg) ?? 0) + 1);
      return record;
    } catch {
      return undefined;
    }
  };
  createInterface({ input: child.stderr! }).on('line', (l) => {
    errLines.push(l);
    if (errLines.length > 40) errLines.shift();
    countRecord(l);
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      r({ code, signal });
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name}: no listening line within ${timeoutMs} ms`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const record = countRecord(line);
      // The test script prints {"event":"listening"}; the CLI logs {"msg":"listening"}.
      const listening = record?.event === 'listening' || record?.msg === 'listening';
      if (listening && typeof record?.port === 'number') {
        clearTimeout(timer);
        resolve(record.port);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name}: exited (${code ?? signal}) before listening: ${errLines.join('\n')}`,
        ),
      );
    });
  });
  const waitExit = async (ms: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
    const outcome = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`${options.name}: did not exit within ${ms} ms`);
  };
  return {
    name: options.name,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}/`,
    options: { ...options, port },
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitExit(10_000);
    },
    stop: async (ms = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      try {
        await waitExit(ms);
      } catch {
        child.kill('SIGKILL');
        await waitExit(10_000);
      }
    },
    stderr: () => errLines.join('\n'),
    logCount: (msg) => messages.get(msg) ?? 0,
  };
}

/**
 * Starts a process again with the options (store, tasks, port) of a stopped one.
 *
 * @param previous - the exited process.
 * @param dir - where the options file is written.
 * @returns the new process, on the same port.
 */
export async function restartAggregator(
  previous: AggregatorProcess,
  dir: string,
): Promise<AggregatorProcess> {
  // A port freed by a killed listener can be bound again at once (SO_REUSEADDR), but retry
  // briefly in case the kernel has not finished tearing the socket down.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startAggregator(previous.options, dir);
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw lastError;
}
