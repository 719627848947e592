// The demo's command line: parses the options, runs the pipeline and maps the outcome to an exit
// status: 0 done, 1 a step failed, 2 a bad command line.
import { parseDemoArgs, UsageError, USAGE } from './options.js';
import { runDemo } from './pipeline.js';

/** Where the command line writes. */
export interface CliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processStreams: CliStreams = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

/**
 * Runs the demo with command-line arguments.
 *
 * @param args - the arguments after the script name.
 * @param streams - output; default the process's stdout and stderr.
 * @returns the exit status: 0 done, 1 a step failed, 2 a bad command line.
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(
  args: readonly string[],
  streams: CliStreams = processStreams,
): Promise<number> {
  let options;
  try {
    options = parseDemoArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      streams.stderr(`demo: ${e.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw e;
  }
  if (options === 'help') {
    streams.stdout(USAGE);
    return 0;
  }
  try {
    await runDemo(options, { write: streams.stdout });
    return 0;
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    const code = typeof err.code === 'string' ? `${err.code}: ` : '';
    streams.stderr(`demo: failed: ${code}${String(err.message ?? e)}\n`);
    return 1;
  }
}
