// The pm-attribution-e2e command: the committed cases pass with exit 0 and the documented last
// line; a case whose expectation is not met, or that does not parse, is a FAIL with exit 1; a
// bad command line, directory or configuration is a one-line message with exit 2.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { runE2eCli } from '../src/cli/e2e-run.js';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'vectors', 'w3c-attribution');
const work = mkdtempSync(join(tmpdir(), 'pm-e2e-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runE2eCli(args, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
  });
  return { status, out, err };
}

/** A fresh directory under the work directory, with the given files. */
function dirWith(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const config = readFileSync(join(VECTORS, 'CONFIG.json'), 'utf8');
const basic = readFileSync(join(VECTORS, 'basic.json'), 'utf8');

describe('pm-attribution-e2e', () => {
  it('passes every committed case with exit 0', async () => {
    const { status, out, err } = await run([VECTORS]);
    expect(err).toBe('');
    expect(status).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(`${lines.length - 1} passed, 0 failed`);
    expect(lines).toContain('PASS basic.json');
  });

  it('a wrong expectation or an unparsable case is a FAIL with exit 1', async () => {
    const wrong = basic.replace('"expected": [0, 5, 0]', '"expected": [5, 0, 0]');
    expect(wrong).not.toBe(basic);
    const dir = dirWith('mixed', {
      'CONFIG.json': config,
      'a-good.json': basic,
      'b-wrong.json': wrong,
      'c-broken.json': '{"events": [',
      'd-hostile.json': JSON.stringify({ events: [{ event: 'measureConversion', seconds: 'x' }] }),
      'notes.txt': 'not a case',
    });
    const { status, out } = await run([dir]);
    expect(status).toBe(1);
    expect(out).toContain('PASS a-good.json\n');
    expect(out).toMatch(/FAIL b-wrong\.json\n {4}\S/);
    expect(out).toMatch(/FAIL c-broken\.json\n {4}crashed: SyntaxError/);
    expect(out).toContain('FAIL d-hostile.json\n');
    expect(out).not.toContain('notes.txt');
    expect(out.trimEnd().split('\n').at(-1)).toBe('1 passed, 3 failed');
  });

  it('a directory without cases is exit 1', async () => {
    const { status, out } = await run([dirWith('empty', { 'CONFIG.json': config })]);
    expect(status).toBe(1);
    expect(out).toBe('0 passed, 0 failed\n');
  });

  it('uses --config, else DIR/CONFIG.json, else the repository one', async () => {
    const noConfig = dirWith('no-config', { 'basic.json': basic });
    expect((await run([noConfig])).status).toBe(0);
    const configDir = dirWith('config-elsewhere', { 'other.json': config });
    const { status, out } = await run(['--config', join(configDir, 'other.json'), noConfig]);
    expect(status).toBe(0);
    expect(out).toBe('PASS basic.json\n1 passed, 0 failed\n');
  });

  const bad: Array<[string, () => string[], string]> = [
    ['no DIR', () => [], 'expected one DIR, received 0'],
    ['two DIRs', () => [VECTORS, VECTORS], 'expected one DIR, received 2'],
    ['an unknown option', () => ['--frobnicate', VECTORS], "'--frobnicate'"],
    ['--config without a value', () => [VECTORS, '--config'], "'--config"],
    ['a missing DIR', () => [join(work, 'absent')], 'DIR: cannot list'],
    ['a file as DIR', () => [join(VECTORS, 'basic.json')], 'ENOTDIR'],
    [
      'a missing --config',
      () => ['--config', join(work, 'absent.json'), VECTORS],
      'config: cannot read',
    ],
    [
      'a CONFIG.json that is not JSON',
      () => [dirWith('bad-json', { 'CONFIG.json': '{', 'basic.json': basic })],
      'is not valid JSON',
    ],
    [
      'a CONFIG.json that is not an object',
      () => [dirWith('bad-shape', { 'CONFIG.json': '[1, 2]', 'basic.json': basic })],
      'expected a JSON object',
    ],
  ];
  for (const [name, args, fragment] of bad) {
    it(`${name} is exit 2 with a message`, async () => {
      const { status, out, err } = await run(args());
      expect(status).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/^pm-attribution-e2e: /);
      expect(err).toContain(fragment);
    });
  }

  it('--help prints the usage with exit 0', async () => {
    const { status, out } = await run(['--help']);
    expect(status).toBe(0);
    expect(out).toBe('usage: pm-attribution-e2e [--config CONFIG.json] DIR\n');
  });
});
