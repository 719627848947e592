// Runs W3C Attribution end-to-end cases (the JSON timelines of the w3c/attribution repository,
// impl/e2e-tests) against AttributionClient with an injected clock and fixed randomness.

import { AttributionClient } from './client.js';
import type { AttributionConfig } from './config.js';
import { ClearTextReportEncoder } from './report/encoder.js';

/** The user-agent parameters of a case (CONFIG.json). */
export interface E2eConfig {
  aggregationServices: Record<string, 'dap-18-histogram'>;
  epochStart?: number;
  fairlyAllocateCreditFraction?: number;
  globalPrivacyBudgetPerEpoch: number;
  impressionSiteQuotaPerEpoch: number;
  maxConversionSitesPerImpression: number;
  maxConversionCallersPerImpression: number;
  maxImpressionSitesForConversion: number;
  maxImpressionCallersForConversion: number;
  maxCreditSize: number;
  maxMatchValues: number;
  maxLookbackDays?: number;
  maxHistogramSize: number;
  perSitePrivacyBudget: number;
  privacyBudgetEpochDays: number;
}

/** Expected error: a name, or a DOMException with a name. */
type ExpectedError = string | { error: string; name: string };

/** One event of a case timeline. */
interface E2eEvent {
  event: string;
  seconds: number;
  site?: string;
  intermediarySite?: string;
  options?: unknown;
  expected?: number[] | ExpectedError;
  expectedError?: ExpectedError;
  sites?: string[];
  forgetVisits?: boolean;
}

/** Outcome of one case. */
export interface E2eResult {
  passed: boolean;
  /** One line per failed expectation, naming the event by its `seconds`. */
  failures: string[];
}

function toClientConfig(config: E2eConfig): Partial<AttributionConfig> {
  return {
    aggregationServices: Object.fromEntries(
      Object.entries(config.aggregationServices).map(([url, protocol]) => [url, { protocol }]),
    ),
    globalPrivacyBudgetPerEpoch: config.globalPrivacyBudgetPerEpoch,
    impressionSiteQuotaPerEpoch: config.impressionSiteQuotaPerEpoch,
    maxConversionSitesPerImpression: config.maxConversionSitesPerImpression,
    maxConversionCallersPerImpression: config.maxConversionCallersPerImpression,
    maxImpressionSitesForConversion: config.maxImpressionSitesForConversion,
    maxImpressionCallersForConversion: config.maxImpressionCallersForConversion,
    maxCreditSize: config.maxCreditSize,
    maxMatchValues: config.maxMatchValues,
    maxHistogramSize: config.maxHistogramSize,
    perSitePrivacyBudget: config.perSitePrivacyBudget,
    privacyBudgetEpochDays: config.privacyBudgetEpochDays,
    ...(config.maxLookbackDays === undefined ? {} : { maxLookbackDays: config.maxLookbackDays }),
  };
}

function describeError(error: unknown): string {
  if (error instanceof DOMException) return `DOMException ${error.name}`;
  return (error as Error)?.name ?? String(error);
}

function matchesExpected(error: unknown, expected: ExpectedError): boolean {
  if (typeof expected === 'string') return (error as Error)?.name === expected;
  if (expected.error === 'DOMException') {
    return error instanceof DOMException && error.name === expected.name;
  }
  return (error as Error)?.name === expected.name;
}

function expectedName(expected: ExpectedError): string {
  return typeof expected === 'string' ? expected : `${expected.error} ${expected.name}`;
}

/**
 * Run one end-to-end case.
 *
 * @param testCase - the parsed case file ({ events, config? })
 * @param defaultConfig - the parsed CONFIG.json, used when the case has no `config`
 * @returns whether every expectation held, and what failed
 * @example
 * const result = await runE2eCase(JSON.parse(caseText), JSON.parse(configText));
 */
export async function runE2eCase(testCase: unknown, defaultConfig: E2eConfig): Promise<E2eResult> {
  const tc = testCase as { events?: E2eEvent[]; config?: E2eConfig };
  const config = tc.config ?? defaultConfig;
  const failures: string[] = [];
  if (!Array.isArray(tc.events)) return { passed: false, failures: ['case: no events array'] };

  let now = 0;
  const epochStart = config.epochStart ?? 0;
  const creditFraction = config.fairlyAllocateCreditFraction ?? 0.5;
  const client = await AttributionClient.open({
    config: toClientConfig(config),
    encoder: new ClearTextReportEncoder(),
    includeUnencryptedHistogram: true,
    now: () => now,
    epochStartRandom: () => epochStart,
    creditRandom: () => creditFraction,
    onBackgroundError: (error) => failures.push(`background: ${describeError(error)}`),
  });

  for (const ev of tc.events) {
    const at = `seconds ${ev.seconds}`;
    const t = ev.seconds * 1000;
    if (!(t > now)) {
      failures.push(`${at}: events must have strictly increasing seconds`);
      break;
    }
    now = t;
    const caller = { topLevelSite: ev.site ?? '', intermediarySite: ev.intermediarySite };

    switch (ev.event) {
      case 'saveImpression': {
        let error: unknown;
        try {
          await client.saveImpression(caller, ev.options as never);
        } catch (e) {
          error = e;
        }
        await client.flush();
        if (ev.expectedError === undefined) {
          if (error !== undefined)
            failures.push(`${at}: saveImpression threw ${describeError(error)}`);
        } else if (error === undefined) {
          failures.push(`${at}: expected ${expectedName(ev.expectedError)}, nothing thrown`);
        } else if (!matchesExpected(error, ev.expectedError)) {
          failures.push(
            `${at}: expected ${expectedName(ev.expectedError)}, got ${describeError(error)}`,
          );
        }
        break;
      }
      case 'measureConversion': {
        const expected = ev.expected;
        try {
          const result = await client.measureConversion(caller, ev.options as never);
          if (!Array.isArray(expected)) {
            failures.push(`${at}: expected ${expectedName(expected!)}, got a report`);
          } else if (JSON.stringify(result.unencryptedHistogram) !== JSON.stringify(expected)) {
            failures.push(
              `${at}: expected [${expected.join(', ')}], got [${result.unencryptedHistogram?.join(', ')}]`,
            );
          }
        } catch (error) {
          if (Array.isArray(expected) || expected === undefined) {
            failures.push(`${at}: measureConversion threw ${describeError(error)}`);
          } else if (!matchesExpected(error, expected)) {
            failures.push(`${at}: expected ${expectedName(expected)}, got ${describeError(error)}`);
          }
        }
        break;
      }
      case 'clearImpressionsForSite':
        await client.clearImpressionsForSite(ev.site ?? '');
        break;
      case 'clearBrowsingHistoryForAttribution':
        await client.clearBrowsingHistoryForAttribution(ev.sites ?? [], ev.forgetVisits ?? true);
        break;
      case 'enableAPI':
        await client.setEnabled(true);
        break;
      case 'disableAPI':
        await client.setEnabled(false);
        break;
      default:
        failures.push(`${at}: unknown event ${String(ev.event)}`);
    }
  }
  await client.close();
  return { passed: failures.length === 0, failures };
}
