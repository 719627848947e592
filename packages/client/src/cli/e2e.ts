// pm-attribution-e2e DIR: runs every W3C Attribution end-to-end case in DIR; prints a line per
// case file and a last line "N passed, M failed"; exits non-zero on any failure (e2e-run.ts).

import { runE2eCli } from './e2e-run.js';

process.exitCode = await runE2eCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
});
