// The pm-attribution-e2e command as a function: runs every W3C Attribution end-to-end case in a
// directory, prints a line per case file and a last line "N passed, M failed", and returns the
// exit status (0 all passed, 1 a case failed or none was found, 2 a bad command line, directory
// or configuration).

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { runE2eCase, type E2eConfig } from '../conformance.js';

const CONFIG_NAME = 'CONFIG.json';
const SKIPPED = new Set([CONFIG_NAME, 'e2e.schema.json']);
const USAGE = 'usage: pm-attribution-e2e [--config CONFIG.json] DIR\n';

/** Where the command writes. */
export interface E2eCliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

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

/** A reason that stops the run before any case, with exit status 2. */
class E2eUsageError extends Error {}

/** The system error code of a failed file operation, e.g. ENOENT; never a path or content. */
function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ((error as Error)?.name ?? 'error');
}

async function readConfig(path: string): Promise<E2eConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new E2eUsageError(`config: cannot read ${path} (${reason(error)})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new E2eUsageError(`config: ${path} is not valid JSON`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new E2eUsageError(`config: ${path}: expected a JSON object`);
  }
  return config as E2eConfig;
}

async function caseFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((f) => f.endsWith('.json') && !SKIPPED.has(f)).sort();
  } catch (error) {
    throw new E2eUsageError(`DIR: cannot list ${dir} (${reason(error)})`);
  }
}

/**
 * Runs pm-attribution-e2e with command-line arguments.
 *
 * @param args - the arguments after the command name
 * @param streams - where the lines go
 * @returns the exit status: 0 all passed, 1 a case failed or DIR has none, 2 a bad command
 *   line, an unreadable DIR or an unreadable or malformed configuration
 * @example process.exitCode = await runE2eCli(process.argv.slice(2), streams);
 */
export async function runE2eCli(args: readonly string[], streams: E2eCliStreams): Promise<number> {
  let positionals: string[];
  let values: { config?: string; help?: boolean };
  try {
    ({ positionals, values } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    streams.stderr(`pm-attribution-e2e: ${String((error as Error).message).split('\n')[0]}\n`);
    streams.stderr(USAGE);
    return 2;
  }
  if (values.help === true) {
    streams.stdout(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    streams.stderr(`pm-attribution-e2e: expected one DIR, received ${positionals.length}\n`);
    streams.stderr(USAGE);
    return 2;
  }

  let config: E2eConfig;
  let files: string[];
  const dir = resolve(positionals[0]!);
  try {
    files = await caseFiles(dir);
    const configPath =
      values.config ??
      (existsSync(join(dir, CONFIG_NAME)) ? join(dir, CONFIG_NAME) : bundledConfig());
    if (configPath === undefined) {
      throw new E2eUsageError(`no ${CONFIG_NAME} in ${dir} and none in the repository vectors`);
    }
    config = await readConfig(configPath);
  } catch (error) {
    if (!(error instanceof E2eUsageError)) throw error;
    streams.stderr(`pm-attribution-e2e: ${error.message}\n`);
    return 2;
  }

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
      streams.stdout(`PASS ${file}\n`);
    } else {
      failed++;
      streams.stdout(`FAIL ${file}\n${failures.map((f) => `    ${f}\n`).join('')}`);
    }
  }
  streams.stdout(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && files.length > 0 ? 0 : 1;
}
