// Entry point of the pm-collector command (bin/pm-collector.js imports the built form).
import { processIo, runCli } from './cli/main.js';

runCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pm-collector: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
