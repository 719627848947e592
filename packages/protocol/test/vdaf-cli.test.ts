// The `pm-vectors` contract: one line per file, a last line `N passed, M failed`, exit code 1 on
// any failure and 2 on misuse; tampered files fail, unknown VDAFs are skipped. The CLI entry is
// bundled from source with esbuild so that the test needs no prior build.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonBig, runVectorDir } from '../src/vdaf/testvec.js';

const here = dirname(fileURLToPath(import.meta.url));
const official = join(here, '../../../vectors/vdaf');
let work: string;
let cli: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pm-vectors-'));
  cli = join(work, 'pm-vectors.mjs');
  await build({
    entryPoints: [join(here, '../src/cli/vectors.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['source'],
    outfile: cli,
    logLevel: 'error',
  });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function dirWith(files: Record<string, string>): string {
  const d = mkdtempSync(join(work, 'dir-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

const countVector = readFileSync(join(official, 'Prio3Count_0.json'), 'utf8');

describe('pm-vectors', () => {
  it('passes the official directory on the ts backend and skips what it does not implement', () => {
    const d = mkdtempSync(join(work, 'official-'));
    cpSync(official, d, { recursive: true });
    const { code, lines } = run(['--backend', 'ts', d]);
    const prio3 = readdirSync(official).filter((f) => f.startsWith('Prio3')).length;
    expect(lines.at(-1)).toBe(`${prio3} passed, 0 failed`);
    expect(lines.filter((l) => l.startsWith('SKIP ')).length).toBe(
      readdirSync(official).filter((f) => /^(Poplar1|Idpf|Xof).*\.json$/.test(f)).length,
    );
    expect(code).toBe(0);
  });

  it('fails a file whose expected output was altered, and exits 1', () => {
    const v = JSON.parse(countVector);
    v.agg_result = 2;
    const d = dirWith({ 'Prio3Count_0.json': JSON.stringify(v), 'Prio3Count_1.json': countVector });
    const { code, lines } = run(['--backend', 'ts', d]);
    expect(lines[0]).toMatch(/^FAIL Prio3Count_0\.json: \[ts\] unshard .*aggregate result differs/);
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('fails a negative file whose failing operation succeeds', () => {
    const v = JSON.parse(countVector);
    // The genuine report with the operation marked as failing must now be a failure.
    v.operations = v.operations.map((o: { operation: string; success: boolean }) =>
      o.operation === 'verifier_shares_to_message' ? { ...o, success: false } : o,
    );
    const { code, lines } = run([
      '--backend',
      'ts',
      dirWith({ 'Prio3Count_bad_x.json': JSON.stringify(v) }),
    ]);
    expect(lines[0]).toMatch(/expected failure, operation succeeded/);
    expect(code).toBe(1);
  });

  it('fails unreadable JSON, skips an unknown VDAF, exits 2 on misuse', () => {
    const d = dirWith({ 'Prio3Count_9.json': '{ not json', 'Prio9Thing_0.json': countVector });
    const r = run(['--backend', 'ts', d]);
    expect(r.lines).toContain('SKIP Prio9Thing_0.json: unsupported VDAF type Prio9Thing');
    expect(r.lines.some((l) => l.startsWith('FAIL Prio3Count_9.json'))).toBe(true);
    expect(r.lines.at(-1)).toBe('0 passed, 1 failed');
    expect(r.code).toBe(1);
    expect(run([]).code).toBe(2);
    expect(run(['--backend', 'gpu', d]).code).toBe(2);
    expect(run([join(work, 'missing')]).code).toBe(2);
  });

  it('runVectorDir reports the same counts in-process', () => {
    const lines: string[] = [];
    const d = dirWith({ 'Prio3Count_0.json': countVector });
    expect(runVectorDir(d, ['Prio3Count_0.json'], ['ts'], (l) => lines.push(l))).toEqual({
      passed: 1,
      failed: 0,
      skipped: 0,
    });
    expect(lines.at(-1)).toBe('1 passed, 0 failed');
  });
});

describe('parseJsonBig', () => {
  it('keeps integers beyond 2^53 exact and leaves hex strings alone', () => {
    const v = parseJsonBig(
      '{"a": 18446744073709551557, "b": [1, 340282366920938463463374607431768211455], "c": "0123456789012345678"}',
    ) as Record<string, unknown>;
    expect(v.a).toBe(18446744073709551557n);
    expect(v.b).toEqual([1, 340282366920938463463374607431768211455n]);
    expect(v.c).toBe('0123456789012345678');
  });
});
