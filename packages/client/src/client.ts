// AttributionClient: the W3C Attribution API (saveImpression, measureConversion) on behalf of a
// top-level site and an optional intermediary, with the on-device privacy budget, user controls
// and a pluggable store and report encoder (W3C Attribution §3, §7).

import { resolveConfig, type AttributionConfig } from './config.js';
import {
  AttributionRangeError,
  AttributionTypeError,
  ConfigError,
  ReportError,
  StorageError,
} from './errors.js';
import {
  doAttribution,
  allZeroHistogram,
  type AttributionContext,
} from './internal/attribution.js';
import { clearBrowsingHistory, clearImpressionsForSite } from './internal/clearing.js';
import { DAY_MS } from './internal/epoch.js';
import {
  validateConversionOptions,
  validateImpressionOptions,
  type AttributionConversionOptions,
  type AttributionImpressionOptions,
} from './internal/options.js';
import { AttributionState, type Transaction } from './internal/state.js';
import { toSequence, toUSVString } from './internal/idl.js';
import { buildLedgerView, type LedgerView } from './ledger.js';
import type { ReportEncoder } from './report/encoder.js';
import { defaultRegistrableDomain, parseSite, type RegistrableDomainFn } from './site.js';
import { MemoryStore } from './store/memory.js';
import { decodeStoredState } from './store/validate.js';
import type { AttributionStore, ReportOutcome } from './store/types.js';

/** Who is calling: the top-level site and, for a cross-site frame, the intermediary. */
export interface CallerContext {
  /** The top-level site (or origin) of the page. */
  topLevelSite: string;
  /** The site (or origin) of a cross-site frame calling the API, if any. */
  intermediarySite?: string;
}

/** Result of measureConversion (W3C Attribution §3.5). */
export interface AttributionConversionResult {
  /** The encoded (for dap-18-histogram: encrypted) report. */
  report: Uint8Array;
  /** The cleartext histogram, only with `includeUnencryptedHistogram` (testing aid). */
  unencryptedHistogram?: number[];
}

/** Options of AttributionClient.open. */
export interface AttributionClientOptions {
  /** Limits, budgets and aggregation services; defaults per DEFAULT_ATTRIBUTION_CONFIG. */
  config?: Partial<AttributionConfig>;
  /** Persistence; an in-memory store when omitted. */
  store?: AttributionStore;
  /** Turns histograms into reports; required before measureConversion is called. */
  encoder?: ReportEncoder;
  /** Wall clock in ms since 1970 (inject for tests and simulation). */
  now?: () => number;
  /** Uniform random number in [0, 1) for the epoch start and fair rounding (CSPRNG default). */
  random?: () => number;
  /** Overrides `random` for placing the epoch start (W3C Attribution §4.2.3). */
  epochStartRandom?: () => number;
  /** Overrides `random` for the fair rounding of credit (W3C Attribution §4.4.2.1). */
  creditRandom?: () => number;
  /** Registrable-domain function; a built-in Public Suffix List subset when omitted. */
  registrableDomain?: RegistrableDomainFn;
  /** Return the cleartext histogram beside the report. Testing only: it defeats the API. */
  includeUnencryptedHistogram?: boolean;
  /** Receives failures of work that finishes after the call returned (impression saves). */
  onBackgroundError?: (error: unknown) => void;
}

/** Check the members of AttributionClient.open's options other than `config`. */
function checkOptions(options: AttributionClientOptions): void {
  const store = options.store as Partial<AttributionStore> | undefined;
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      typeof store.load !== 'function' ||
      typeof store.commit !== 'function' ||
      typeof store.close !== 'function')
  ) {
    throw new ConfigError('store: expected an AttributionStore (load, commit, close)');
  }
  const encoder = options.encoder as Partial<ReportEncoder> | undefined;
  if (encoder !== undefined && typeof encoder?.encode !== 'function') {
    throw new ConfigError('encoder: expected a ReportEncoder (encode)');
  }
  for (const name of [
    'now',
    'random',
    'epochStartRandom',
    'creditRandom',
    'registrableDomain',
    'onBackgroundError',
  ] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ConfigError(`${name}: expected a function`);
    }
  }
  const flag = options.includeUnencryptedHistogram;
  if (flag !== undefined && typeof flag !== 'boolean') {
    throw new ConfigError('includeUnencryptedHistogram: expected a boolean');
  }
}

/** Uniform doubles in [0, 1) from the platform CSPRNG, drawn 64 at a time. */
function secureRandomSource(): () => number {
  const words = new Uint32Array(128);
  let next = words.length;
  return () => {
    if (next === words.length) {
      globalThis.crypto.getRandomValues(words);
      next = 0;
    }
    const hi = words[next++]!;
    const lo = words[next++]! >>> 11;
    return (hi * 2 ** 21 + lo) / 2 ** 53;
  };
}

/**
 * The W3C Attribution API for one device (user agent profile).
 *
 * @example
 * const client = await AttributionClient.open({ config, encoder });
 * await client.saveImpression({ topLevelSite: 'news.example' }, { histogramIndex: 3 });
 * const { report } = await client.measureConversion(
 *   { topLevelSite: 'shop.example' },
 *   { aggregationService: 'https://dap.example', histogramSize: 8, value: 2, maxValue: 4 },
 * );
 */
export class AttributionClient {
  /** The configuration in force. */
  readonly config: Readonly<AttributionConfig>;
  private readonly store: AttributionStore;
  private readonly state: AttributionState;
  private readonly encoder: ReportEncoder | undefined;
  private readonly now: () => number;
  private readonly epochRandom: () => number;
  private readonly creditRandom: () => number;
  private readonly rd: RegistrableDomainFn;
  private readonly includeCleartext: boolean;
  private readonly onBackgroundError: (error: unknown) => void;
  // The attribution budget lock (W3C Attribution §4.2): operations run one at a time.
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    options: AttributionClientOptions,
    config: Readonly<AttributionConfig>,
    store: AttributionStore,
    state: AttributionState,
  ) {
    this.config = config;
    this.store = store;
    this.state = state;
    this.encoder = options.encoder;
    this.now = options.now ?? Date.now;
    const fallback = options.random ?? secureRandomSource();
    this.epochRandom = options.epochStartRandom ?? fallback;
    this.creditRandom = options.creditRandom ?? fallback;
    this.rd = options.registrableDomain ?? defaultRegistrableDomain;
    this.includeCleartext = options.includeUnencryptedHistogram ?? false;
    this.onBackgroundError = options.onBackgroundError ?? (() => {});
  }

  /**
   * Open a client on a store, loading its state.
   *
   * @param options - configuration, store, encoder, clock and randomness
   * @returns the client
   * @throws {ConfigError} when the configuration is invalid
   * @throws {StorageError} when the store cannot be read
   */
  static async open(options: AttributionClientOptions = {}): Promise<AttributionClient> {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('options: expected an object');
    }
    const config = resolveConfig(options.config);
    checkOptions(options);
    const store = options.store ?? new MemoryStore();

    // Whatever the store returns is checked field by field: a store written by another version,
    // corrupted, or implemented outside this package must not steer attribution.
    let loaded: unknown;
    try {
      loaded = await store.load();
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw new StorageError(`store: load failed (${(error as Error)?.name ?? 'error'})`);
    }
    const stored = decodeStoredState(loaded);
    return new AttributionClient(options, config, store, new AttributionState(stored));
  }

  /** The supported aggregation services and their protocol (W3C Attribution §3.3). */
  get aggregationServices(): ReadonlyMap<string, { protocol: 'dap-18-histogram' }> {
    return new Map(
      Object.entries(this.config.aggregationServices).map(([url, s]) => [
        url,
        { protocol: s.protocol },
      ]),
    );
  }

  /** Whether the user has the API enabled. Sites cannot observe this. */
  get enabled(): boolean {
    return this.state.meta.enabled;
  }

  /**
   * Save an impression (W3C Attribution §4.3). Resolves once the options are validated; the
   * impression is stored in the background (in parallel, per the spec), so the time to resolve
   * depends neither on the store nor on whether the API is enabled. Use `flush()` to wait.
   *
   * @param caller - top-level site and optional intermediary
   * @param options - AttributionImpressionOptions
   * @returns an empty AttributionImpressionResult
   * @throws {AttributionTypeError} on wrong types; {AttributionRangeError} on bad values;
   *   DOMException "SyntaxError" on a bad site
   */
  async saveImpression(
    caller: CallerContext,
    options: AttributionImpressionOptions,
  ): Promise<Record<string, never>> {
    const { topLevelSite, intermediarySite } = this.implicitInputs(caller);
    const timestamp = this.now();
    const validated = validateImpressionOptions(options, this.config, this.rd);

    // W3C Attribution §4.3 step 6, in parallel: build and save the impression if enabled.
    void this.enqueue(async (txn) => {
      this.dropExpired(txn, timestamp);
      if (!txn.getMeta('enabled')) return;
      const id = txn.getMeta('nextImpressionId');
      txn.setMeta('nextImpressionId', id + 1);
      txn.putImpression({
        id,
        matchValue: validated.matchValue,
        impressionSite: topLevelSite,
        ...(intermediarySite === undefined ? {} : { intermediarySite }),
        conversionSites: validated.conversionSites,
        conversionCallers: validated.conversionCallers,
        timestamp,
        lifetimeDays: validated.lifetimeDays,
        histogramIndex: validated.histogramIndex,
        priority: validated.priority,
      });
    }).catch((error: unknown) => this.onBackgroundError(error));
    return {};
  }

  /**
   * Measure a conversion (W3C Attribution §4.4): validate, attribute against the impression
   * store within the privacy budget, and encode the histogram. A report is always produced: all
   * zeros when nothing matches, a budget is short or the API is disabled, through the same path.
   *
   * @param caller - top-level (conversion) site and optional intermediary
   * @param options - AttributionConversionOptions
   * @returns the report
   * @throws {AttributionTypeError}, {AttributionReferenceError}, {AttributionRangeError} or
   *   DOMException "SyntaxError" on bad options; {ReportError} or {StorageError} when the report
   *   cannot be produced (no budget is spent then)
   */
  async measureConversion(
    caller: CallerContext,
    options: AttributionConversionOptions,
  ): Promise<AttributionConversionResult> {
    const { topLevelSite, intermediarySite } = this.implicitInputs(caller);
    const now = this.now();
    const validated = validateConversionOptions(options, this.config, this.rd);
    const encoder = this.encoder;
    if (encoder === undefined) throw new ConfigError('encoder: required to measure conversions');

    return this.enqueue(async (txn) => {
      // Steps 7.1-7.2: an all-zero report, replaced by attribution when the API is enabled.
      let histogram = allZeroHistogram(validated.histogramSize);
      let outcome: ReportOutcome = 'disabled';
      let charges: Array<{ epoch: number; microEpsilon: number }> = [];
      if (txn.getMeta('enabled')) {
        const result = doAttribution(
          txn,
          this.context(),
          validated,
          topLevelSite,
          intermediarySite,
          now,
        );
        histogram = result.histogram;
        charges = result.charges;
        outcome =
          charges.length > 0 ? 'attributed' : result.budgetShort ? 'budget-exhausted' : 'no-match';
      } else {
        // W3C Attribution §4.4: the time to resolve should not reveal that the API is disabled,
        // so attribution runs on a scratch transaction whose result and changes are dropped.
        const scratch = this.state.begin();
        doAttribution(scratch, this.context(), validated, topLevelSite, intermediarySite, now);
      }

      // Steps 7.3-7.4: encode for the aggregation service's protocol.
      let report: Uint8Array;
      try {
        report = await encoder.encode({
          histogram,
          aggregationServiceUrl: validated.aggregationServiceUrl,
          aggregationService: validated.aggregationService,
          epsilon: validated.epsilon,
          maxValue: validated.maxValue,
          topLevelSite,
          intermediarySite,
          now,
        });
      } catch (error) {
        if (error instanceof ReportError) throw error;
        throw new ReportError(`report: encoding failed (${(error as Error)?.name ?? 'error'})`);
      }

      // The user-facing ledger records every report that leaves the device.
      txn.appendLedger({
        time: now,
        conversionSite: topLevelSite,
        ...(intermediarySite === undefined ? {} : { intermediarySite }),
        aggregationService: validated.aggregationServiceUrl,
        epsilon: validated.epsilon,
        histogramSize: validated.histogramSize,
        maxValue: validated.maxValue,
        charges,
        outcome,
        reportBytes: report.length,
      });
      return this.includeCleartext ? { report, unencryptedHistogram: histogram } : { report };
    });
  }

  /**
   * Remove impressions for a site, as a Clear-Site-Data "impressions" response does
   * (W3C Attribution §4.1.3). Budgets are untouched.
   *
   * @param site - site or https origin
   * @throws DOMException "SyntaxError" when `site` is not a site
   */
  async clearImpressionsForSite(site: string): Promise<void> {
    const parsed = parseSite(toUSVString(site, 'site'), 'site', this.rd);
    await this.enqueue(async (txn) => clearImpressionsForSite(txn, parsed));
  }

  /**
   * The user cleared site data but kept history: the sites' budgets become zero for every epoch
   * attribution can reach (W3C Attribution §10.7.1).
   *
   * @param sites - at least one site
   * @throws {AttributionRangeError} when `sites` is empty
   */
  async clearSiteData(sites: readonly string[]): Promise<void> {
    const parsed = this.parseSiteList(sites);
    if (parsed.size === 0) throw new AttributionRangeError('sites', 'sites: expected at least one');
    await this.clearState(parsed, false);
  }

  /**
   * The user cleared browsing history for some sites, or for all when `sites` is empty: their
   * impressions and budget records go, and epochs up to now close to attribution
   * (W3C Attribution §10.7.2).
   *
   * @param sites - sites to forget; empty forgets everything
   */
  async clearBrowsingHistory(sites: readonly string[] = []): Promise<void> {
    await this.clearState(this.parseSiteList(sites), true);
  }

  /**
   * The clear browsing history for attribution algorithm with its raw inputs
   * (W3C Attribution §4.2.4).
   *
   * @param sites - parsed or unparsed sites
   * @param forgetVisits - whether history itself is cleared
   * @throws {AttributionRangeError} when forgetVisits is false and sites is empty
   * @throws {AttributionTypeError} when sites is not an array of strings or forgetVisits not a
   *   boolean; DOMException "SyntaxError" when a site does not parse
   */
  async clearBrowsingHistoryForAttribution(
    sites: readonly string[],
    forgetVisits: boolean,
  ): Promise<void> {
    if (typeof forgetVisits !== 'boolean') {
      throw new AttributionTypeError('forgetVisits', 'forgetVisits: expected a boolean');
    }
    const parsed = this.parseSiteList(sites);
    if (!forgetVisits && parsed.size === 0) {
      throw new AttributionRangeError('sites', 'sites: expected at least one when keeping visits');
    }
    await this.clearState(parsed, forgetVisits);
  }

  /**
   * Enable or disable the API (W3C Attribution §10.2). While disabled, impressions are not
   * saved and reports carry nothing, but every call behaves as before. Disabling keeps budget
   * state, so re-enabling cannot overspend.
   *
   * @param enabled - the user's choice
   * @throws {AttributionTypeError} when `enabled` is not a boolean
   */
  async setEnabled(enabled: boolean): Promise<void> {
    if (typeof enabled !== 'boolean') {
      throw new AttributionTypeError('enabled', 'enabled: expected a boolean');
    }
    await this.enqueue(async (txn) => txn.setMeta('enabled', enabled));
  }

  /**
   * The user-facing ledger: every report that left the device and the budget spent per site and
   * epoch (W3C Attribution §10.3).
   *
   * @returns a snapshot of the ledger
   */
  async ledger(): Promise<LedgerView> {
    await this.flush();
    return buildLedgerView(this.state, this.config);
  }

  /** Wait until background work (impression saves) has been stored. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** Wait for pending work and close the store. */
  async close(): Promise<void> {
    await this.flush();
    await this.store.close();
  }

  /** Obtain the implicit API inputs from a caller context (W3C Attribution §4.3). */
  private implicitInputs(caller: CallerContext): {
    topLevelSite: string;
    intermediarySite: string | undefined;
  } {
    if (typeof caller !== 'object' || caller === null) {
      throw new AttributionTypeError(
        'caller',
        'caller: expected { topLevelSite, intermediarySite? }',
      );
    }
    const topLevelSite = parseSite(
      toUSVString(caller.topLevelSite, 'topLevelSite'),
      'topLevelSite',
      this.rd,
    );
    let intermediarySite: string | undefined;
    if (caller.intermediarySite !== undefined) {
      intermediarySite = parseSite(
        toUSVString(caller.intermediarySite, 'intermediarySite'),
        'intermediarySite',
        this.rd,
      );
      // A same-site frame is not an intermediary.
      if (intermediarySite === topLevelSite) intermediarySite = undefined;
    }
    return { topLevelSite, intermediarySite };
  }

  private parseSiteList(sites: readonly string[]): Set<string> {
    return new Set(
      toSequence(sites, 'sites', toUSVString).map((s) => parseSite(s, 'sites', this.rd)),
    );
  }

  private async clearState(sites: ReadonlySet<string>, forgetVisits: boolean): Promise<void> {
    const now = this.now();
    await this.enqueue(async (txn) =>
      clearBrowsingHistory(txn, this.context(), sites, forgetVisits, now),
    );
  }

  private context(): AttributionContext {
    const c = this.config;
    return {
      epochDays: c.privacyBudgetEpochDays,
      maxLookbackDays: c.maxLookbackDays,
      epochRandom: this.epochRandom,
      creditRandom: this.creditRandom,
      perSitePrivacyBudget: c.perSitePrivacyBudget,
      globalPrivacyBudgetPerEpoch: c.globalPrivacyBudgetPerEpoch,
      impressionSiteQuotaPerEpoch: c.impressionSiteQuotaPerEpoch,
    };
  }

  /** Remove impressions past their lifetime (W3C Attribution §4.1.2). */
  private dropExpired(txn: Transaction, now: number): void {
    for (const impression of txn.impressions()) {
      if (now > impression.timestamp + impression.lifetimeDays * DAY_MS)
        txn.deleteImpression(impression.id);
    }
  }

  /**
   * Run `op` under the lock on a fresh transaction; commit its changes to the store, then make
   * them visible. On any failure nothing is stored or visible.
   */
  private enqueue<T>(op: (txn: Transaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const txn = this.state.begin();
      const result = await op(txn);
      try {
        await this.store.commit(txn.changeSet());
      } catch (error) {
        if (error instanceof StorageError) throw error;
        throw new StorageError(`store: commit failed (${(error as Error)?.name ?? 'error'})`);
      }
      txn.apply();
      return result;
    };
    const result = this.queue.then(run);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
