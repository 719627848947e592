// Entry point of the child process that measures one memory case: loads the suite module,
// lists its memory cases with the runner's options, sets the chosen one up, measures it and
// prints the measurement as one marked JSON line on stdout.
import { measureOperation } from './memory.js';
import { BenchError } from './options.js';
import { asSuite } from './registry.js';
import type { SuiteOptions } from './suite.js';

/** Marks the result line on stdout, so that output of the suite itself is ignored. */
export const RESULT_MARK = '@@bench-memory ';

/** The arguments of a child: module URL, case index, case name (a check), suite options. */
export interface ChildArgs {
  module: string;
  index: number;
  name: string;
  options: SuiteOptions;
}

/**
 * Parses the child's arguments.
 *
 * @param argv - the arguments after the script name.
 * @returns them.
 * @throws {BenchError} code "usage" when they are malformed.
 */
export function parseChildArgs(argv: readonly string[]): ChildArgs {
  const [module, indexText, name, optionsText] = argv;
  const index = Number(indexText);
  if (argv.length !== 4 || !Number.isSafeInteger(index) || index < 0) {
    throw new BenchError('usage', 'memory child: expected MODULE INDEX NAME OPTIONS_JSON');
  }
  let options: SuiteOptions;
  try {
    options = JSON.parse(optionsText) as SuiteOptions;
  } catch {
    throw new BenchError('usage', 'memory child: OPTIONS_JSON is not JSON');
  }
  return { module, index, name, options };
}

async function main(): Promise<void> {
  const args = parseChildArgs(process.argv.slice(2));
  const mod = (await import(args.module)) as { default?: unknown };
  const suite = asSuite(mod.default, args.module);
  const c = suite.memory?.(args.options)[args.index];
  if (c === undefined || c.name !== args.name) {
    throw new BenchError(
      'suite_cases',
      `memory child: expected case ${args.index} of ${suite.name} to be "${args.name}", ` +
        `received ${c === undefined ? 'none' : `"${c.name}"`}`,
    );
  }
  const op = await c.setup();
  const m = await measureOperation(op);
  process.stdout.write(RESULT_MARK + JSON.stringify(m) + '\n');
}

// Only when run as a script (the bundle's entry), not when imported by the tests.
if (process.argv[1] !== undefined && /memory-child\.[cm]?js$/.test(process.argv[1])) {
  main().then(
    () => {
      process.exitCode = 0;
    },
    (e: unknown) => {
      const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      process.stdout.write(RESULT_MARK + JSON.stringify({ error: text }) + '\n');
      process.exitCode = 1;
    },
  );
}
