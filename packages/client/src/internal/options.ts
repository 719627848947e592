// Validation of the saveImpression and measureConversion options, step by step as the spec
// orders them (W3C Attribution §4.3 "save an impression", §7.4 "validate
// AttributionConversionOptions"). Nothing here touches state.

import type { AggregationServiceConfig, AttributionConfig } from '../config.js';
import { MAX_EPSILON } from '../config.js';
import { AttributionRangeError, AttributionReferenceError } from '../errors.js';
import { parseSite, type RegistrableDomainFn } from '../site.js';
import {
  required,
  toDictionary,
  toDouble,
  toLong,
  toSequence,
  toUnsignedLong,
  toUSVString,
} from './idl.js';

/** The options of saveImpression() (W3C Attribution §3.4). */
export interface AttributionImpressionOptions {
  histogramIndex: number;
  matchValue?: number;
  conversionSites?: string[];
  conversionCallers?: string[];
  lifetimeDays?: number;
  priority?: number;
}

/** The options of measureConversion() (W3C Attribution §3.5). */
export interface AttributionConversionOptions {
  aggregationService: string;
  epsilon?: number;
  histogramSize: number;
  lookbackDays?: number;
  matchValues?: number[];
  impressionSites?: string[];
  impressionCallers?: string[];
  credit?: number[];
  value?: number;
  maxValue?: number;
}

/** Impression options after validation, ready to be stored. */
export interface ValidatedImpressionOptions {
  histogramIndex: number;
  matchValue: number;
  conversionSites: string[];
  conversionCallers: string[];
  lifetimeDays: number;
  priority: number;
}

/** Validated conversion options (W3C Attribution §4.4). */
export interface ValidatedConversionOptions {
  aggregationServiceUrl: string;
  aggregationService: AggregationServiceConfig;
  epsilon: number;
  histogramSize: number;
  lookbackDays: number;
  matchValues: ReadonlySet<number>;
  impressionSites: ReadonlySet<string>;
  impressionCallers: ReadonlySet<string>;
  credit: readonly number[];
  value: number;
  maxValue: number;
}

/** Parse each string of a list as a site into a set (W3C Attribution §4.1.4). */
function parseSites(list: readonly string[], option: string, rd: RegistrableDomainFn): string[] {
  const out = new Set<string>();
  for (const item of list) out.add(parseSite(item, option, rd));
  return [...out];
}

function rangeCheck(condition: boolean, option: string, message: string): void {
  if (!condition) throw new AttributionRangeError(option, `${option}: ${message}`);
}

/**
 * WebIDL conversion and validation of saveImpression() options (W3C Attribution §4.3).
 *
 * @param input - the options as given by the caller
 * @param config - the user agent's limits
 * @param rd - registrable domain function
 * @returns validated options with sites parsed and lifetime clamped
 * @throws {AttributionTypeError} on a wrong type or a missing histogramIndex
 * @throws {AttributionRangeError} on an out-of-range option
 * @throws {DOMException} "SyntaxError" on a string that is not a site
 */
export function validateImpressionOptions(
  input: unknown,
  config: Readonly<AttributionConfig>,
  rd: RegistrableDomainFn,
): ValidatedImpressionOptions {
  // WebIDL dictionary conversion with the IDL defaults.
  const dict = toDictionary(input, 'options');
  const histogramIndex = toUnsignedLong(
    required(dict.histogramIndex, 'histogramIndex'),
    'histogramIndex',
  );
  const matchValue = toUnsignedLong(dict.matchValue ?? 0, 'matchValue');
  const rawSites = toSequence(dict.conversionSites ?? [], 'conversionSites', toUSVString);
  const rawCallers = toSequence(dict.conversionCallers ?? [], 'conversionCallers', toUSVString);
  let lifetimeDays = toUnsignedLong(dict.lifetimeDays ?? 30, 'lifetimeDays');
  const priority = toLong(dict.priority ?? 0, 'priority');

  // W3C Attribution §4.3 step 5.1: the index must fit the maximum histogram size.
  rangeCheck(
    histogramIndex < config.maxHistogramSize,
    'histogramIndex',
    `expected less than ${config.maxHistogramSize}, received ${histogramIndex}`,
  );

  // W3C Attribution §4.3 step 5.2: a zero lifetime is an error.
  rangeCheck(lifetimeDays !== 0, 'lifetimeDays', 'expected a positive number of days, received 0');

  // W3C Attribution §4.3 step 5.3: clamp the lifetime to the maximum lookback.
  lifetimeDays = Math.min(lifetimeDays, config.maxLookbackDays);

  // W3C Attribution §4.3 steps 5.4-5.6: conversion sites.
  rangeCheck(
    rawSites.length <= config.maxConversionSitesPerImpression,
    'conversionSites',
    `expected at most ${config.maxConversionSitesPerImpression} sites, received ${rawSites.length}`,
  );
  const conversionSites = parseSites(rawSites, 'conversionSites', rd);

  // W3C Attribution §4.3 steps 5.7-5.9: conversion callers.
  rangeCheck(
    rawCallers.length <= config.maxConversionCallersPerImpression,
    'conversionCallers',
    `expected at most ${config.maxConversionCallersPerImpression} sites, received ${rawCallers.length}`,
  );
  const conversionCallers = parseSites(rawCallers, 'conversionCallers', rd);

  return { histogramIndex, matchValue, conversionSites, conversionCallers, lifetimeDays, priority };
}

/**
 * WebIDL conversion and validation of measureConversion() options (W3C Attribution §4.4).
 *
 * @param input - the options as given by the caller
 * @param config - the user agent's limits and aggregation services
 * @param rd - registrable domain function
 * @returns validated conversion options
 * @throws {AttributionTypeError} on a wrong type or a missing required member
 * @throws {AttributionReferenceError} on an unknown aggregation service
 * @throws {AttributionRangeError} on an out-of-range option
 * @throws {DOMException} "SyntaxError" on a string that is not a site
 */
export function validateConversionOptions(
  input: unknown,
  config: Readonly<AttributionConfig>,
  rd: RegistrableDomainFn,
): ValidatedConversionOptions {
  // WebIDL dictionary conversion with the IDL defaults.
  const dict = toDictionary(input, 'options');
  const serviceUrl = toUSVString(
    required(dict.aggregationService, 'aggregationService'),
    'aggregationService',
  );
  const epsilon = toDouble(dict.epsilon ?? 1.0, 'epsilon');
  const histogramSize = toUnsignedLong(
    required(dict.histogramSize, 'histogramSize'),
    'histogramSize',
  );
  const lookbackInput =
    dict.lookbackDays === undefined ? undefined : toUnsignedLong(dict.lookbackDays, 'lookbackDays');
  const matchValueList = toSequence(dict.matchValues ?? [], 'matchValues', toUnsignedLong);
  const rawImpressionSites = toSequence(dict.impressionSites ?? [], 'impressionSites', toUSVString);
  const rawImpressionCallers = toSequence(
    dict.impressionCallers ?? [],
    'impressionCallers',
    toUSVString,
  );
  const creditInput =
    dict.credit === undefined ? undefined : toSequence(dict.credit, 'credit', toDouble);
  const value = toUnsignedLong(dict.value ?? 1, 'value');
  const maxValue = toUnsignedLong(dict.maxValue ?? 1, 'maxValue');

  // W3C Attribution §4.4 steps 1-2: the aggregation service must be one the client supports.
  const services = config.aggregationServices;
  if (!Object.hasOwn(services, serviceUrl)) {
    throw new AttributionReferenceError(
      'aggregationService',
      'aggregationService: unknown service',
    );
  }
  const aggregationService = services[serviceUrl]!;

  // W3C Attribution §4.4 step 3: 0 < epsilon <= maximum epsilon.
  rangeCheck(
    epsilon > 0 && epsilon <= MAX_EPSILON,
    'epsilon',
    `expected in (0, ${MAX_EPSILON}], received ${epsilon}`,
  );

  // W3C Attribution §4.4 step 4: 0 < histogramSize <= both maximum histogram sizes.
  const maxSize = Math.min(
    config.maxHistogramSize,
    aggregationService.maxHistogramSize ?? Infinity,
  );
  rangeCheck(
    histogramSize !== 0 && histogramSize <= maxSize,
    'histogramSize',
    `expected in [1, ${maxSize}], received ${histogramSize}`,
  );

  // W3C Attribution §4.4 steps 5-6: 0 < value <= maxValue.
  rangeCheck(value !== 0, 'value', 'expected positive, received 0');
  rangeCheck(
    value <= maxValue,
    'value',
    `expected at most maxValue (${maxValue}), received ${value}`,
  );

  // W3C Attribution §4.4 steps 7-10: credit defaults to «1», non-empty, positive, bounded.
  const credit = creditInput ?? [1];
  rangeCheck(credit.length !== 0, 'credit', 'expected at least one value');
  rangeCheck(
    credit.every((c) => c > 0),
    'credit',
    'expected every value to be positive',
  );
  rangeCheck(
    credit.length <= config.maxCreditSize,
    'credit',
    `expected at most ${config.maxCreditSize} values, received ${credit.length}`,
  );

  // W3C Attribution §4.4 steps 11-13: lookback defaults to and is clamped to the maximum.
  const lookbackDays = Math.min(lookbackInput ?? config.maxLookbackDays, config.maxLookbackDays);
  rangeCheck(lookbackDays !== 0, 'lookbackDays', 'expected a positive number of days, received 0');

  // W3C Attribution §4.4 steps 14-15: match values.
  rangeCheck(
    matchValueList.length <= config.maxMatchValues,
    'matchValues',
    `expected at most ${config.maxMatchValues} values, received ${matchValueList.length}`,
  );
  const matchValues = new Set(matchValueList);

  // W3C Attribution §4.4 steps 16-18: impression sites.
  rangeCheck(
    rawImpressionSites.length <= config.maxImpressionSitesForConversion,
    'impressionSites',
    `expected at most ${config.maxImpressionSitesForConversion} sites, received ${rawImpressionSites.length}`,
  );
  const impressionSites = new Set(parseSites(rawImpressionSites, 'impressionSites', rd));

  // W3C Attribution §4.4 steps 19-21: impression callers.
  rangeCheck(
    rawImpressionCallers.length <= config.maxImpressionCallersForConversion,
    'impressionCallers',
    `expected at most ${config.maxImpressionCallersForConversion} sites, received ${rawImpressionCallers.length}`,
  );
  const impressionCallers = new Set(parseSites(rawImpressionCallers, 'impressionCallers', rd));

  return {
    aggregationServiceUrl: serviceUrl,
    aggregationService,
    epsilon,
    histogramSize,
    lookbackDays,
    matchValues,
    impressionSites,
    impressionCallers,
    credit: Object.freeze([...credit]),
    value,
    maxValue,
  };
}
