// The HTML report's path, checked before the run starts, so that a path that cannot be written
// fails in a second with a clear message instead of after the whole pipeline.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The report path cannot be written; the demo exits with status 1 and this message. */
export class OutputError extends Error {
  /** Stable code for callers that branch on errors. */
  readonly code = 'OUTPUT';
  override name = 'OutputError';
}

/**
 * Makes sure the report can be written at `out`: its directory exists (created if needed) and
 * is writable, and `out` itself is not a directory.
 *
 * @param out - absolute path of the HTML report.
 * @throws {OutputError} naming the path and the system's error code (e.g. `ENOTDIR`).
 * @example prepareOutput('/tmp/private-measurement-demo.html');
 */
export function prepareOutput(out: string): void {
  const reason = (e: unknown): string => String((e as { code?: unknown }).code ?? 'error');
  try {
    mkdirSync(dirname(out), { recursive: true });
    accessSync(dirname(out), constants.W_OK);
  } catch (e) {
    throw new OutputError(`--out: cannot create or write the directory of ${out} (${reason(e)})`);
  }
  let isDirectory = false;
  try {
    isDirectory = statSync(out).isDirectory();
  } catch {
    // Not there yet: it is written at the end.
  }
  if (isDirectory) throw new OutputError(`--out: expected a file path, ${out} is a directory`);
}
