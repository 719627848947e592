// User-agent parameters of the Attribution API: limits, budgets in micro-epsilon, epoch length
// and the provisioned aggregation services, with defaults and validation
// (W3C Attribution §4.5, "Setting Implementation-Defined Values").

import { checkHpkeConfig } from './dap/hpke-config.js';
import { ConfigError } from './errors.js';

/** The only aggregation protocol the Attribution API defines. */
export type AttributionAggregationProtocol = 'dap-18-histogram';

/** One aggregator of a DAP aggregation service, as provisioned on the device. */
export interface AggregatorEndpoint {
  /** DAP API endpoint URL; its bytes go into the task configuration unchanged. */
  url: string;
  /** Who runs this aggregator, for the plain-language statement (e.g. "Example Org"). */
  operator?: string;
  /**
   * The aggregator's encoded DAP `HpkeConfig` (draft-ietf-ppm-dap-18 §4.5.1). Provisioned with
   * the client, never fetched on demand (W3C Attribution §7.1.3).
   */
  hpkeConfig?: Uint8Array;
}

/** Codepoints that the drafts still list as TBD; both aggregators must use the same values. */
export interface DapAttributionCodepoints {
  /** Batch mode of the task (collector_selected is TBD in draft-thomson-ppm-dap-attribution). */
  batchMode: number;
  /** Task extension "collector_identity". */
  collectorIdentity: number;
  /** Task extension "budget_source". */
  budgetSource: number;
  /** Report extension "privacy_budget" (micro-epsilon, uint32 big-endian). */
  privacyBudget: number;
}

/**
 * Provisional codepoints for the TBD values of draft-thomson-ppm-dap-attribution-01.
 * Spec: the drafts leave them TBD; we pick values far from assigned ones and make them
 * configurable per service. batchMode 2 is leader_selected, whose parameters the draft's
 * collector_selected mode reuses.
 */
export const DEFAULT_DAP_ATTRIBUTION_CODEPOINTS: Readonly<DapAttributionCodepoints> = Object.freeze(
  {
    batchMode: 2,
    collectorIdentity: 0xff01,
    budgetSource: 0xff02,
    privacyBudget: 0xff03,
  },
);

/** An aggregation service the client supports, keyed by its URL in `aggregationServices`. */
export interface AggregationServiceConfig {
  protocol: AttributionAggregationProtocol;
  /** The DAP Leader; the service URL is expected to identify it. */
  leader?: AggregatorEndpoint;
  /** The DAP Helper. */
  helper?: AggregatorEndpoint;
  /** The maximum aggregation-service histogram size, if the technology has one. */
  maxHistogramSize?: number;
  /** Codepoints for the TBD extensions; defaults to DEFAULT_DAP_ATTRIBUTION_CODEPOINTS. */
  codepoints?: Partial<DapAttributionCodepoints>;
}

/** Every implementation-defined value of the API. Budgets are in micro-epsilon. */
export interface AttributionConfig {
  aggregationServices: Readonly<Record<string, AggregationServiceConfig>>;
  /** Maximum lookback in days, bounding lifetimeDays and lookbackDays (spec: at least 30). */
  maxLookbackDays: number;
  /** Maximum histogram size (no minimum in the spec). */
  maxHistogramSize: number;
  /** Maximum number of conversionSites per impression (spec: at least 5). */
  maxConversionSitesPerImpression: number;
  /** Maximum number of conversionCallers per impression (spec: at least 10). */
  maxConversionCallersPerImpression: number;
  /** Maximum number of impressionSites for a conversion (spec: at least 30). */
  maxImpressionSitesForConversion: number;
  /** Maximum number of impressionCallers for a conversion (spec: at least 10). */
  maxImpressionCallersForConversion: number;
  /** Maximum number of credit values (spec: at least 10). */
  maxCreditSize: number;
  /** Maximum number of matchValues (spec: at least 30). */
  maxMatchValues: number;
  /** Per-site privacy budget per epoch, micro-epsilon (spec suggests 1 to 10 epsilon). */
  perSitePrivacyBudget: number;
  /** Global privacy budget per epoch across all sites, micro-epsilon (a safety limit). */
  globalPrivacyBudgetPerEpoch: number;
  /** Per impression-site quota on the global budget per epoch, micro-epsilon. */
  impressionSiteQuotaPerEpoch: number;
  /** Epoch length in days (the spec fixes 7). */
  privacyBudgetEpochDays: number;
}

/** Largest value of a WebIDL unsigned long. */
export const MAX_UNSIGNED_LONG = 4294967295;

/** Maximum epsilon a 32-bit micro-epsilon counter can hold (W3C Attribution §4.2.1). */
export const MAX_EPSILON = 4294;

/** Defaults: the spec's minimums for the limits, and budgets of 1 epsilon per site per epoch. */
export const DEFAULT_ATTRIBUTION_CONFIG: Readonly<Omit<AttributionConfig, 'aggregationServices'>> =
  Object.freeze({
    maxLookbackDays: 30,
    maxHistogramSize: 256,
    maxConversionSitesPerImpression: 10,
    maxConversionCallersPerImpression: 10,
    maxImpressionSitesForConversion: 30,
    maxImpressionCallersForConversion: 10,
    maxCreditSize: 10,
    maxMatchValues: 30,
    perSitePrivacyBudget: 1_000_000,
    globalPrivacyBudgetPerEpoch: 20_000_000,
    impressionSiteQuotaPerEpoch: 5_000_000,
    privacyBudgetEpochDays: 7,
  });

const LIMIT_KEYS = [
  'maxConversionSitesPerImpression',
  'maxConversionCallersPerImpression',
  'maxImpressionSitesForConversion',
  'maxImpressionCallersForConversion',
  'maxMatchValues',
] as const;

const POSITIVE_KEYS = [
  'maxLookbackDays',
  'maxHistogramSize',
  'maxCreditSize',
  'perSitePrivacyBudget',
  'globalPrivacyBudgetPerEpoch',
  'impressionSiteQuotaPerEpoch',
  'privacyBudgetEpochDays',
] as const;

function checkInteger(name: string, value: unknown, min: number): void {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > MAX_UNSIGNED_LONG
  ) {
    throw new ConfigError(
      `${name}: expected an integer in [${min}, ${MAX_UNSIGNED_LONG}], received ${String(value)}`,
    );
  }
}

function checkUrl(name: string, value: unknown): void {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new ConfigError(`${name}: expected an absolute URL`);
  }
  if (!/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(`${name}: expected an http or https URL`);
  }
}

/** Check one provisioned aggregator: URL, operator name and HPKE configuration. */
function checkEndpoint(name: string, endpoint: unknown): void {
  if (typeof endpoint !== 'object' || endpoint === null) {
    throw new ConfigError(`${name}: expected { url, operator?, hpkeConfig? }`);
  }
  const e = endpoint as Partial<AggregatorEndpoint>;
  checkUrl(`${name}.url`, e.url);
  if (e.operator !== undefined && typeof e.operator !== 'string') {
    throw new ConfigError(`${name}.operator: expected a string`);
  }
  // A provisioned configuration must be one this client can seal to (draft-ietf-ppm-dap-18
  // §4.4.1): an undecodable or unsupported one fails here, not at the first conversion.
  if (e.hpkeConfig !== undefined) {
    if (!(e.hpkeConfig instanceof Uint8Array)) {
      throw new ConfigError(`${name}.hpkeConfig: expected an encoded HpkeConfig`);
    }
    checkHpkeConfig(e.hpkeConfig, `${name}.hpkeConfig`);
  }
}

/**
 * Fill in defaults and validate a configuration. Values below the spec's minimums are accepted
 * (the conformance suite uses them on purpose); types and ranges are not.
 *
 * @param config - partial configuration; `aggregationServices` defaults to none
 * @returns a frozen, complete configuration
 * @throws {ConfigError} when a value has the wrong type or range
 * @example
 * const config = resolveConfig({ perSitePrivacyBudget: 2_000_000 });
 */
export function resolveConfig(
  config: Partial<AttributionConfig> = {},
): Readonly<AttributionConfig> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError('config: expected an object');
  }
  const resolved: AttributionConfig = {
    ...DEFAULT_ATTRIBUTION_CONFIG,
    aggregationServices: {},
    ...config,
  };
  for (const key of LIMIT_KEYS) checkInteger(key, resolved[key], 0);
  for (const key of POSITIVE_KEYS) checkInteger(key, resolved[key], 1);

  const services = resolved.aggregationServices;
  if (typeof services !== 'object' || services === null || Array.isArray(services)) {
    throw new ConfigError('aggregationServices: expected an object keyed by service URL');
  }
  for (const [url, service] of Object.entries(services)) {
    checkUrl('aggregationServices key', url);
    if (service?.protocol !== 'dap-18-histogram') {
      throw new ConfigError(`aggregationServices: expected protocol "dap-18-histogram"`);
    }
    if (service.leader !== undefined) checkEndpoint('leader', service.leader);
    if (service.helper !== undefined) checkEndpoint('helper', service.helper);
    if (service.maxHistogramSize !== undefined) {
      checkInteger('maxHistogramSize', service.maxHistogramSize, 1);
    }
    if (
      service.codepoints !== undefined &&
      (typeof service.codepoints !== 'object' || service.codepoints === null)
    ) {
      throw new ConfigError('codepoints: expected an object');
    }
    for (const [name, value] of Object.entries(service.codepoints ?? {})) {
      if (!Object.hasOwn(DEFAULT_DAP_ATTRIBUTION_CODEPOINTS, name)) {
        throw new ConfigError(`codepoints.${name}: unknown codepoint`);
      }
      checkInteger(`codepoints.${name}`, value, 0);
      if ((value as number) > 0xffff) throw new ConfigError(`codepoints.${name}: expected uint16`);
    }
  }
  return Object.freeze({ ...resolved, aggregationServices: Object.freeze({ ...services }) });
}
