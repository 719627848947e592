// Progress bars (cli-progress) for the long steps, on stderr and only on a terminal; elsewhere
// (CI logs, tests) the steps report nothing until their summary line.
import cliProgress from 'cli-progress';

/** One step's progress. */
export interface ProgressBar {
  update(done: number): void;
  stop(): void;
}

/** Creates progress bars, or silent ones. */
export type ProgressFactory = (label: string, total: number) => ProgressBar;

const SILENT: ProgressBar = { update: () => {}, stop: () => {} };

/**
 * A factory of progress bars.
 *
 * @param enabled - draw bars (default: when stderr is a terminal).
 * @returns the factory.
 */
export function progressBars(enabled = process.stderr.isTTY === true): ProgressFactory {
  if (!enabled) return () => SILENT;
  return (label, total) => {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(12)} [{bar}] {value}/{total} {percentage}% | {duration_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0);
    return {
      update: (done) => bar.update(done),
      stop: () => bar.stop(),
    };
  };
}
