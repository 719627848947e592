// The suite registry: dist/suites.json, generated at bundle time from the listing of
// src/suites/, names one bundled module per suite; this loads the chosen ones.
import { readFileSync } from 'node:fs';
import { BenchError } from './options.js';
import type { Suite } from './suite.js';

/** One entry of dist/suites.json. */
export interface RegistryEntry {
  /** Source file name without extension, e.g. "field". */
  file: string;
  /** Module path relative to the registry file, e.g. "./suites/field.js". */
  module: string;
}

/** The contents of dist/suites.json. */
export interface Registry {
  suites: RegistryEntry[];
  /** Suites left out because they did not bundle, with the bundler's messages. */
  broken: Array<{ file: string; errors: string[] }>;
}

/**
 * Reads the registry written beside the bundled runner.
 *
 * @param url - URL of suites.json.
 * @returns the registry.
 * @throws {BenchError} code "suite_load" when the file is missing or malformed.
 */
export function readRegistry(url: URL): Registry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(url, 'utf8'));
  } catch {
    throw new BenchError(
      'suite_load',
      'registry: cannot read dist/suites.json; run the bundle first',
    );
  }
  const r = parsed as Partial<Registry>;
  if (!Array.isArray(r.suites) || !Array.isArray(r.broken)) {
    throw new BenchError('suite_load', 'registry: expected { suites, broken } in dist/suites.json');
  }
  return r as Registry;
}

/**
 * Checks that a module's default export is a Suite.
 *
 * @param value - the default export.
 * @param file - the suite's file name, for the message.
 * @returns the suite.
 * @throws {BenchError} code "suite_load" when it is not one.
 */
export function asSuite(value: unknown, file: string): Suite {
  const s = value as Partial<Suite> | undefined;
  if (
    s === undefined ||
    s === null ||
    typeof s.name !== 'string' ||
    typeof s.cases !== 'function'
  ) {
    throw new BenchError(
      'suite_load',
      `suite ${file}: expected a default export { name, description, cases }, received ${typeof value}`,
    );
  }
  return s as Suite;
}

/**
 * Imports one bundled suite.
 *
 * @param entry - its registry entry.
 * @param base - URL of the registry, against which module paths resolve.
 * @returns the suite.
 * @throws {BenchError} code "suite_load" when the module fails to load or exports no Suite.
 */
export async function loadSuite(entry: RegistryEntry, base: URL): Promise<Suite> {
  let mod: { default?: unknown };
  try {
    mod = (await import(new URL(entry.module, base).href)) as { default?: unknown };
  } catch (e) {
    throw new BenchError(
      'suite_load',
      `suite ${entry.file}: failed to load: ${(e as Error).message}`,
    );
  }
  return asSuite(mod.default, entry.file);
}

/**
 * Picks the suites of a run: the named ones in the order named, or, when none is named, every
 * suite but the opt-in ones (long runs such as load, which run only when named).
 *
 * @param suites - every loaded suite.
 * @param names - the `--suite` names; undefined: the default set.
 * @param withOptIn - true: the default set includes the opt-in suites too (for `--list`).
 * @returns the suites to run.
 * @throws {BenchError} code "usage" naming the suites that are not known.
 * @example
 * selectSuites(all, undefined, false); // every suite without `optIn`
 */
export function selectSuites(
  suites: readonly Suite[],
  names: readonly string[] | undefined,
  withOptIn = false,
): Suite[] {
  if (names === undefined) return suites.filter((s) => withOptIn || s.optIn !== true);
  const known = new Map(suites.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new BenchError(
      'usage',
      `--suite: expected one of ${[...known.keys()].join(', ') || '(none)'}, received ${unknown.join(', ')}`,
    );
  }
  return names.map((n) => known.get(n)!);
}
