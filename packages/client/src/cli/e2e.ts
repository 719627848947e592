// pm-attribution-e2e DIR: runs every W3C Attribution end-to-end case in DIR; prints a line per
// case file and a last line "N passed, M failed"; exits non-zero on any failure.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { runE2eCase, type E2eConfig } from '../conformance.js';

const CONFIG_NAME = 'CONFIG.json';
const SKIPPED = new Set([CONFIG_NAME, 'e2e.schema.json']);

/**
 * The default CONFIG.json: vectors/w3c-attribution/ in an ancestor of this module (the
 * repository), else the copy the build puts in dist/vectors/.
 */
function bundledConfig(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ;) {
    const candidate = join(dir, 'vectors', 'w3c-attribution', CONFIG_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const copy = join(here, '..', 'vectors', CONFIG_NAME);
  return existsSync(copy) ? copy : undefined;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 1) {
    process.stdout.write('usage: pm-attribution-e2e [--config CONFIG.json] DIR\n');
    return values.help ? 0 : 2;
  }
  const dir = resolve(positionals[0]!);
  const configPath =
    values.config ??
    (existsSync(join(dir, CONFIG_NAME)) ? join(dir, CONFIG_NAME) : bundledConfig());
  if (configPath === undefined) {
    process.stderr.write(`no ${CONFIG_NAME} in ${dir} and none found in the repository vectors\n`);
    return 2;
  }
  const config = JSON.parse(await readFile(configPath, 'utf8')) as E2eConfig;

  const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && !SKIPPED.has(f)).sort();
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let failures: string[];
    try {
      const result = await runE2eCase(JSON.parse(await readFile(join(dir, file), 'utf8')), config);
      failures = result.failures;
    } catch (error) {
      failures = [
        `crashed: ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message ?? ''}`,
      ];
    }
    if (failures.length === 0) {
      passed++;
      process.stdout.write(`PASS ${file}\n`);
    } else {
      failed++;
      process.stdout.write(`FAIL ${file}\n${failures.map((f) => `    ${f}\n`).join('')}`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && files.length > 0 ? 0 : 1;
}

process.exitCode = await main();
