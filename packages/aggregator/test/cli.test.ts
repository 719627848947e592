// The pm-aggregator command through its committed shim (bin/ -> dist/): serve with a config
// file, keygen, task commands, and clear errors for bad configurations.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  decodeHpkeConfigList,
  encodeHpkeConfig,
  generateHpkeKeypair,
} from '@private-measurement/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkg = join(import.meta.dirname, '..');
const bin = join(pkg, 'bin', 'pm-aggregator.js');
const dir = mkdtempSync(join(tmpdir(), 'pm-cli-'));

beforeAll(async () => {
  // The shim runs the compiled CLI; build it when this checkout has not been built yet.
  if (!existsSync(join(pkg, 'dist', 'cli.js')))
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: pkg });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function taskSpec(): Promise<Record<string, unknown>> {
  const collector = await generateHpkeKeypair(9);
  return {
    taskId: Buffer.alloc(32, 7).toString('base64url'),
    role: 'leader',
    leaderEndpoint: 'http://127.0.0.1:1/',
    helperEndpoint: 'http://127.0.0.1:2/',
    taskInfo: 'cli test',
    timePrecision: 60,
    minBatchSize: 10,
    batchMode: 'time_interval',
    vdaf: { type: 'Prio3Count' },
    vdafVerifyKey: Buffer.alloc(32, 1).toString('base64url'),
    collectorHpkeConfig: Buffer.from(encodeHpkeConfig(collector.config)).toString('base64url'),
    aggregatorAuthToken: 'peer-token-0123456789',
    collectorAuthToken: 'collector-token-0123456789',
    dp: { mechanism: 'discrete-laplace', epsilon: 1 },
  };
}

describe('pm-aggregator', () => {
  it('prints usage and rejects unknown commands', async () => {
    expect((await cli([])).stdout).toMatch(/pm-aggregator serve --config FILE/);
    const bad = await cli(['frobnicate']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'pm-aggregator: command: expected serve, keygen, task, keys or gc, received frobnicate\n',
    );
  });

  it('keygen prints a usable HPKE configuration', async () => {
    const out = await cli(['keygen', '--id', '42']);
    const { hpkeConfig, privateKey } = JSON.parse(out.stdout) as {
      hpkeConfig: string;
      privateKey: string;
    };
    expect(Buffer.from(privateKey, 'base64url').length).toBe(32);
    expect(Buffer.from(hpkeConfig, 'base64url')[0]).toBe(42);
    expect((await cli(['keygen', '--id', '300'])).stderr).toMatch(
      /--id: expected an integer in \[0, 255\]/,
    );
  });

  it('refuses a bad configuration with one clear error', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        store: `sqlite:${join(dir, 'bad.db')}`,
        tasks: [{ ...(await taskSpec()), minBatchSize: 0 }],
      }),
    );
    const out = await cli(['serve', '--config', file]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^pm-aggregator: config\.tasks\[0\]\.minBatchSize: expected an integer in \[1, /,
    );
    writeFileSync(file, '{ not json');
    expect((await cli(['serve', '--config', file])).stderr).toMatch(/is not valid JSON/);
  });

  it('adds and lists tasks, and serves health and hpke_config', async () => {
    const config = join(dir, 'ok.json');
    writeFileSync(
      config,
      JSON.stringify({
        store: `sqlite:${join(dir, 'ok.db')}`,
        listen: { port: 0 },
        logLevel: 'info',
      }),
    );
    const taskFile = join(dir, 'task.json');
    const spec = await taskSpec();
    writeFileSync(taskFile, JSON.stringify(spec));
    expect((await cli(['task', 'add', '--config', config, '--task', taskFile])).stdout).toBe(
      `${spec.taskId} leader\n`,
    );
    expect((await cli(['task', 'list', '--config', config])).stdout).toBe(
      `${spec.taskId} leader\n`,
    );

    const child = spawn('node', [bin, 'serve', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (c: Buffer) => {
          buf += c.toString();
          for (const line of buf.split('\n')) {
            if (line.includes('"msg":"listening"'))
              resolve((JSON.parse(line) as { port: number }).port);
          }
        });
        child.once('exit', () => reject(new Error('server exited')));
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const list = await fetch(`http://127.0.0.1:${port}/hpke_config`);
      expect(decodeHpkeConfigList(new Uint8Array(await list.arrayBuffer()))).toHaveLength(1);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/pm_http_requests_total\{route="hpke_config",status="200"\} 1/);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    expect(
      (await cli(['task', 'remove', '--config', config, '--id', spec.taskId as string])).code,
    ).toBe(0);
    expect((await cli(['task', 'list', '--config', config])).stdout).toBe('');
  });
});
