// The simulated population: every device is an AttributionClient (in-memory store, injected
// clock, seeded randomness) that saves the impressions its user sees on publisher sites and
// measures the user's conversions on the advertiser's site; the encrypted reports are kept for
// upload and the cleartext histograms summed as the ground truth.
import {
  AttributionClient,
  DapReportEncoder,
  type AggregationServiceConfig,
  type ReportOutcome,
} from '@private-measurement/client';
import type { MarketModel } from './model.js';
import { Rng } from './random.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * DAY_MS;

/** Budget use of one conversion site in one epoch, summed over devices (from their ledgers). */
export interface BudgetRow {
  site: string;
  /**
   * Week of the simulated period in which the devices' epochs start (0 = the first week; each
   * device places its epoch boundaries at its own random hour, W3C Attribution §4.2.3).
   */
  week: number;
  /** Start of that week, ms since 1970. */
  weekStart: number;
  /** Device epochs (one device, one epoch) that spent budget. */
  devices: number;
  /** Reports that charged the epoch. */
  reports: number;
  /** Micro-epsilon spent, summed over devices. */
  spentMicro: number;
  /** Largest spend of one device, micro-epsilon. */
  maxSpentMicro: number;
  /** The per-site budget of an epoch, micro-epsilon. */
  budgetMicro: number;
  /** Devices whose budget for the epoch is used up to below one more full report. */
  exhausted: number;
}

/** What the simulation produced. */
export interface SimulationResult {
  devices: number;
  impressions: number;
  /** Conversions measured, one report each. */
  conversions: number;
  /** The encrypted reports, in the order they were made. */
  reports: Uint8Array[];
  /** Sum of the devices' cleartext histograms: what a noiseless aggregate would show. */
  trueHistogram: number[];
  /** Reports per ledger outcome. */
  outcomes: Record<ReportOutcome, number>;
  budget: BudgetRow[];
  /** Simulated period, ms since 1970. */
  period: { start: number; end: number };
}

/** Options of {@link simulatePopulation}. */
export interface SimulationOptions {
  devices: number;
  seed: number;
  model: MarketModel;
  epsilon: number;
  serviceUrl: string;
  service: AggregationServiceConfig;
  /** End of the simulated period (ms); conversions happen before it. Default: this hour. */
  anchor?: number;
  /** Called after each device with the number done. */
  onProgress?: (done: number) => void;
}

type DeviceEvent =
  | { time: number; kind: 'impression'; publisher: string; bucket: number }
  | { time: number; kind: 'conversion'; value: number };

/** Draws one device's browsing, ad views and purchases over the period. */
function deviceEvents(rng: Rng, model: MarketModel, start: number, end: number): DeviceEvent[] {
  const span = end - start;
  const events: DeviceEvent[] = [];
  const seen: { time: number; lift: number }[] = [];

  // Activity varies a lot between people: a heavy tail of frequent visitors.
  const visits = rng.poisson(0.5 + rng.exponential(5));
  const publisherWeights = model.publishers.map((p) => p.weight);
  for (let v = 0; v < Math.min(visits, 60); v++) {
    const publisher = model.publishers[rng.weighted(publisherWeights)].site;
    if (!rng.chance(0.5)) continue; // no ad of this advertiser on that page view
    const local = model.campaigns.filter((c) => c.publisher === publisher);
    const pool = local.length > 0 ? local : model.campaigns;
    const campaign = pool[rng.weighted(pool.map((c) => c.reach))];
    const time = start + Math.floor(rng.float() * span);
    events.push({ time, kind: 'impression', publisher, bucket: campaign.bucket });
    seen.push({ time, lift: campaign.lift });
  }

  // Conversions: a small organic rate plus each ad's lift; some buyers come back.
  let p = 0.04;
  for (const s of seen) p = 1 - (1 - p) * (1 - s.lift);
  if (!rng.chance(p)) return events;
  const value = (): number => 1 + rng.weighted(model.valueWeights);
  let time: number;
  if (seen.length > 0 && rng.chance(0.8)) {
    const after = seen[rng.int(seen.length)].time;
    time = Math.min(after + Math.floor(rng.exponential(2 * DAY_MS)), end - 1);
  } else {
    time = start + Math.floor(rng.float() * span);
  }
  events.push({ time, kind: 'conversion', value: value() });
  if (rng.chance(0.2)) {
    const again = time + Math.floor(rng.exponential(4 * DAY_MS));
    if (again < end) events.push({ time: again, kind: 'conversion', value: value() });
  }
  return events.sort((a, b) => a.time - b.time);
}

/**
 * Simulates the population. Deterministic for a given seed and anchor, except the report
 * encryption, whose randomness comes from the platform CSPRNG.
 *
 * @param o - population size, seed, market, epsilon and the provisioned service.
 * @returns the reports, the true histogram and the budget use.
 * @throws {Error} from the client when a call is refused (a bug in the simulation).
 * @example
 * const sim = await simulatePopulation({ devices: 300, seed: 1, model, epsilon: 1,
 *   serviceUrl: d.serviceUrl, service: d.service });
 */
export async function simulatePopulation(o: SimulationOptions): Promise<SimulationResult> {
  const { model } = o;
  const end = o.anchor ?? Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const start = end - model.days * DAY_MS;
  const encoder = new DapReportEncoder();
  // Limitation: the per-site, global and impression-site budgets are the client defaults; the
  // demo has no option to change them.
  const config = { aggregationServices: { [o.serviceUrl]: o.service } };
  const size = model.campaigns.length;

  const trueHistogram = new Array<number>(size).fill(0);
  const reports: Uint8Array[] = [];
  const outcomes: Record<ReportOutcome, number> = {
    attributed: 0,
    'no-match': 0,
    'budget-exhausted': 0,
    disabled: 0,
  };
  const budget = new Map<string, BudgetRow>();
  let impressions = 0;
  // A device cannot afford another full-value report when less than this is left.
  const fullReportMicro = Math.ceil((o.epsilon * 1e6) / 2);

  // Limitation: the devices run one after another in this process, so this step grows linearly
  // with the population.
  for (let device = 0; device < o.devices; device++) {
    const rng = new Rng(o.seed, device + 1);
    const events = deviceEvents(rng, model, start, end);
    if (events.length === 0) {
      o.onProgress?.(device + 1);
      continue;
    }
    let clock = events[0].time;
    const client = await AttributionClient.open({
      config,
      encoder,
      now: () => clock,
      random: () => rng.float(),
      includeUnencryptedHistogram: true,
    });
    for (const e of events) {
      clock = e.time;
      if (e.kind === 'impression') {
        impressions++;
        await client.saveImpression(
          { topLevelSite: e.publisher },
          {
            histogramIndex: e.bucket,
            conversionSites: [model.advertiser],
            lifetimeDays: model.lifetimeDays,
          },
        );
        continue;
      }
      const { report, unencryptedHistogram } = await client.measureConversion(
        { topLevelSite: model.advertiser },
        {
          aggregationService: o.serviceUrl,
          histogramSize: size,
          epsilon: o.epsilon,
          value: e.value,
          maxValue: model.maxValue,
          credit: model.credit,
        },
      );
      reports.push(report);
      unencryptedHistogram!.forEach((v, i) => (trueHistogram[i] += v));
    }

    const ledger = await client.ledger();
    for (const entry of ledger.entries) outcomes[entry.outcome]++;
    for (const row of ledger.bySiteAndEpoch) {
      const week = Math.floor(((row.epochStart ?? start) - start) / WEEK_MS);
      const key = `${row.site}|${week}`;
      let b = budget.get(key);
      if (b === undefined) {
        b = {
          site: row.site,
          week,
          weekStart: start + week * WEEK_MS,
          devices: 0,
          reports: 0,
          spentMicro: 0,
          maxSpentMicro: 0,
          budgetMicro: row.budget,
          exhausted: 0,
        };
        budget.set(key, b);
      }
      b.devices++;
      b.reports += row.reports;
      b.spentMicro += row.spent;
      b.maxSpentMicro = Math.max(b.maxSpentMicro, row.spent);
      if (row.remaining < fullReportMicro) b.exhausted++;
    }
    await client.close();
    o.onProgress?.(device + 1);
  }

  return {
    devices: o.devices,
    impressions,
    conversions: reports.length,
    reports,
    trueHistogram,
    outcomes,
    budget: [...budget.values()].sort((a, b) => a.site.localeCompare(b.site) || a.week - b.week),
    period: { start, end },
  };
}
