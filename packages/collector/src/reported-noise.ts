// What the Aggregators say about the noise on their aggregate shares: this project's aggregator
// sends `pm-dp-noise: leader=LABEL, helper=LABEL` with every ready collection job (an extension,
// not part of DAP-18). Read defensively: anything else is "not reported", never an error.

/** The response header carrying the Aggregators' noise labels. */
export const NOISE_HEADER = 'pm-dp-noise';

/** The label of an Aggregator that ran with its test-only switch that turns noise off. */
export const NOISE_OFF_FOR_TESTING = 'off-for-testing';

/** The noise labels the Leader relayed, e.g. `discrete-laplace;epsilon=1` or `off-for-testing`. */
export interface ReportedNoise {
  /** How the Leader noised its share. */
  leader: string;
  /** How the Helper noised its share, as the Helper told the Leader (`unreported` if it did not). */
  helper: string;
}

/** A label: printable ASCII without spaces or commas, at most 100 characters. */
const LABEL = '[A-Za-z0-9._;=+\\-]{1,100}';
const HEADER = new RegExp(`^leader=(${LABEL}), helper=(${LABEL})$`);

/**
 * Parses the `pm-dp-noise` header.
 *
 * @param value - the header value, or null when absent.
 * @returns the two labels, or undefined when the header is absent or not of that form.
 * @example parseReportedNoise('leader=off-for-testing, helper=off-for-testing');
 */
export function parseReportedNoise(value: string | null | undefined): ReportedNoise | undefined {
  if (typeof value !== 'string' || value.length > 256) return undefined;
  const m = HEADER.exec(value.trim());
  return m === null ? undefined : { leader: m[1], helper: m[2] };
}

/**
 * Which Aggregators say they added no noise (their test-only switch was on).
 *
 * @param reported - the parsed header, if any.
 * @returns `leader`, `helper`, both or neither, in that order.
 * @example noiseOffAt({ leader: 'off-for-testing', helper: 'discrete-laplace;epsilon=1' }); // ['leader']
 */
export function noiseOffAt(reported: ReportedNoise | undefined): ('leader' | 'helper')[] {
  if (reported === undefined) return [];
  const off: ('leader' | 'helper')[] = [];
  if (reported.leader === NOISE_OFF_FOR_TESTING) off.push('leader');
  if (reported.helper === NOISE_OFF_FOR_TESTING) off.push('helper');
  return off;
}
