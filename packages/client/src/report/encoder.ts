// The pluggable step that turns the cleartext histogram of a conversion into the bytes handed to
// the site (W3C Attribution §4.4 step 7.4: "construct a DAP report" for dap-18-histogram).

import type { AggregationServiceConfig } from '../config.js';

/** What an encoder receives for one conversion report. */
export interface ReportRequest {
  /** The histogram; all zeros when nothing may be reported. Its L1 norm is at most maxValue. */
  histogram: readonly number[];
  /** URL of the aggregation service, the key of `aggregationServices`. */
  aggregationServiceUrl: string;
  aggregationService: AggregationServiceConfig;
  /** Epsilon the report was charged for (the privacy_budget report extension). */
  epsilon: number;
  maxValue: number;
  /** The conversion site. */
  topLevelSite: string;
  /** The calling intermediary, when it is not the conversion site. */
  intermediarySite: string | undefined;
  /** Time of the conversion, ms since 1970. */
  now: number;
}

/**
 * Encodes conversion reports. An encoder must produce output whose size depends only on public
 * parameters (service, histogram size, maxValue), never on the histogram's contents, and must
 * take the same path for an all-zero histogram as for any other.
 */
export interface ReportEncoder {
  /**
   * Encode one report.
   *
   * @throws {ReportError} when the report cannot be built (e.g. a service lacks HPKE configs)
   */
  encode(request: ReportRequest): Promise<Uint8Array>;
}

/**
 * Encodes the histogram in the clear, 4 bytes big-endian per bucket. For tests, simulation and
 * the conformance runner only: the bytes reveal the histogram to whoever holds them.
 *
 * @example
 * const client = await AttributionClient.open({ encoder: new ClearTextReportEncoder() });
 */
export class ClearTextReportEncoder implements ReportEncoder {
  async encode(request: ReportRequest): Promise<Uint8Array> {
    const out = new Uint8Array(4 * request.histogram.length);
    const view = new DataView(out.buffer);
    request.histogram.forEach((v, i) => view.setUint32(4 * i, v, false));
    return out;
  }
}

/**
 * Decode the output of ClearTextReportEncoder.
 *
 * @param bytes - the report
 * @returns the histogram
 */
export function decodeClearTextReport(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i, false));
  return out;
}
