// The demo's command line: every hostile argument exits with status 2 and a message naming the
// option; good ones parse to the documented values; a report path that cannot be written fails
// with status 1 before anything runs; the built entry point exits with the same statuses.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { main } from '../src/cli.js';
import { DEFAULTS, LIMITS, parseDemoArgs, USAGE, UsageError } from '../src/options.js';

const work = mkdtempSync(join(tmpdir(), 'pm-demo-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs main() with captured output. */
async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await main(args, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
  });
  return { status, out, err };
}

describe('demo command line', () => {
  const hostile: Array<[string[], string]> = [
    [['--devices', 'abc'], '--devices: expected an integer'],
    [['--devices', '-5'], '--devices'],
    [['--devices', '1e3'], '--devices: expected an integer'],
    [['--devices', '12.5'], '--devices: expected an integer'],
    [['--devices', '0x100'], '--devices: expected an integer'],
    [['--devices', ''], '--devices: expected an integer'],
    [['--devices', '199'], '--devices: expected an integer in [200, 1000000]'],
    [['--devices', '1000001'], '--devices: expected an integer in [200, 1000000]'],
    [['--devices', '9'.repeat(400)], '--devices: expected an integer in'],
    [['--epsilon', '0'], '--epsilon: expected a number in (0, 100]'],
    [['--epsilon', '-1'], "Option '--epsilon' argument is ambiguous"],
    [['--epsilon=-1'], '--epsilon: expected a number in (0, 100]'],
    [['--epsilon', 'NaN'], '--epsilon: expected a number'],
    [['--epsilon', 'Infinity'], '--epsilon: expected a number'],
    [['--epsilon', '1e400'], '--epsilon: expected a number'],
    [['--epsilon', '100.5'], '--epsilon: expected a number in (0, 100]'],
    [['--epsilon', '1,5'], '--epsilon: expected a number'],
    [['--histogram-size', '0'], '--histogram-size: expected an integer in [1, 256]'],
    [['--histogram-size', '257'], '--histogram-size: expected an integer in [1, 256]'],
    [['--seed', String(2 ** 32)], '--seed: expected an integer in [0, 4294967295]'],
    [['--seed', '-1'], '--seed'],
    [['--out', '  '], '--out: expected a file path'],
    [['--devices'], '--devices'],
    [['--frobnicate'], "'--frobnicate'"],
    [['--devices=500', 'extra'], "'extra'"],
    [['-x'], "'-x'"],
    [['--help=yes'], '--help'],
  ];
  for (const [args, fragment] of hostile) {
    it(`refuses ${JSON.stringify(args).slice(0, 60)} with status 2`, async () => {
      const { status, out, err } = await cli(args);
      expect(status).toBe(2);
      expect(out).toBe('');
      expect(err).toContain(fragment);
      expect(err).toMatch(/^demo: /);
      expect(err).toContain('Run with --help for the options.');
      expect(() => parseDemoArgs(args)).toThrow(UsageError);
    });
  }

  it('--help prints the usage and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { status, out, err } = await cli([flag, '--devices', 'abc']);
      expect(status).toBe(0);
      expect(out).toBe(USAGE);
      expect(err).toBe('');
    }
    for (const name of ['--devices', '--epsilon', '--histogram-size', '--seed', '--out']) {
      expect(USAGE).toContain(name);
    }
  });

  it('parses good arguments to the documented values', () => {
    expect(parseDemoArgs([], () => 42, '/home/u')).toEqual({
      devices: DEFAULTS.devices,
      epsilon: DEFAULTS.epsilon,
      histogramSize: DEFAULTS.histogramSize,
      seed: 42,
      out: join(tmpdir(), 'private-measurement-demo.html'),
    });
    const parsed = parseDemoArgs(
      ['--devices=200', '--epsilon', '.25', '--histogram-size', '256', '--seed', '0'],
      () => 42,
      '/home/u',
    );
    expect(parsed).toMatchObject({ devices: 200, epsilon: 0.25, histogramSize: 256, seed: 0 });
    expect(parseDemoArgs(['--epsilon', '1e-3'])).toMatchObject({ epsilon: 0.001 });
    expect(parseDemoArgs(['--epsilon', String(LIMITS.epsilon.max)])).toMatchObject({
      epsilon: 100,
    });
    expect(parseDemoArgs(['--out', 'r/x.html'], () => 1, '/home/u')).toMatchObject({
      out: '/home/u/r/x.html',
    });
    expect(parseDemoArgs(['--out', '/abs/x.html'], () => 1, '/home/u')).toMatchObject({
      out: '/abs/x.html',
    });
    // The drawn seed is a 32-bit unsigned integer.
    expect(parseDemoArgs([], () => -1)).toMatchObject({ seed: 2 ** 32 - 1 });
  });

  it('a report path that cannot be written fails with status 1 before the run', async () => {
    const underFile = join(fileURLToPath(import.meta.url), 'report.html');
    const asDirectory = work;
    for (const [out, fragment] of [
      [underFile, 'cannot create or write the directory of'],
      [asDirectory, 'is a directory'],
    ]) {
      const { status, out: printed, err } = await cli(['--devices', '200', '--out', out]);
      expect(status).toBe(1);
      expect(err).toContain('demo: failed: OUTPUT: --out:');
      expect(err).toContain(fragment);
      expect(printed).toBe('');
    }
  });
});

describe('built entry point (dist/main.js)', () => {
  const entry = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const node = (args: string[]) =>
    spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', timeout: 30_000 });

  it('exits 2 on a bad argument and 0 on --help', () => {
    const bad = node(['--histogram-size', 'many']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--histogram-size: expected an integer');
    const help = node(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(USAGE);
  });
});
