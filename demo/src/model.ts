// The simulated market: a few publishers, one advertiser, and its campaigns, one per histogram
// bucket, each shown mostly on one publisher with its own reach and effect on conversions.
import { Rng } from './random.js';

/** A publisher site and its share of page visits. */
export interface Publisher {
  site: string;
  /** Relative share of visits. */
  weight: number;
}

/** One campaign of the advertiser; its impressions carry `bucket` as histogramIndex. */
export interface Campaign {
  bucket: number;
  name: string;
  /** The publisher that mostly shows it. */
  publisher: string;
  /** Relative chance that an ad slot on its publisher shows this campaign. */
  reach: number;
  /** Added probability of converting per impression seen. */
  lift: number;
}

/** Everything the population simulation draws from. */
export interface MarketModel {
  publishers: Publisher[];
  /** The advertiser's site: where conversions happen, and the reports' budget source. */
  advertiser: string;
  campaigns: Campaign[];
  /** Days simulated, ending at the anchor time. */
  days: number;
  /** Largest conversion value; the task's maxValue. */
  maxValue: number;
  /** Probabilities of conversion values 1..maxValue. */
  valueWeights: number[];
  /** Attribution credit of the last touches (W3C Attribution last-N-touch). */
  credit: number[];
  /** Impression lifetime in days. */
  lifetimeDays: number;
}

const PUBLISHERS: Publisher[] = [
  { site: 'news.example', weight: 0.34 },
  { site: 'sports.example', weight: 0.22 },
  { site: 'video.example', weight: 0.2 },
  { site: 'recipes.example', weight: 0.14 },
  { site: 'travel.example', weight: 0.1 },
];

const THEMES = ['Spring sale', 'New arrivals', 'Free delivery', 'Loyalty', 'Gift ideas', 'Outlet'];

/**
 * Builds the market of a run: `histogramSize` campaigns spread over the publishers, with reach
 * falling off like a power law and a lift drawn per campaign.
 *
 * @param histogramSize - number of campaigns (buckets).
 * @param seed - seed of the run.
 * @returns the model.
 * @example buildMarket(8, 1).campaigns.length; // 8
 */
export function buildMarket(histogramSize: number, seed: number): MarketModel {
  const rng = new Rng(seed, 0x6d61726b);
  const campaigns: Campaign[] = [];
  for (let bucket = 0; bucket < histogramSize; bucket++) {
    const publisher = PUBLISHERS[bucket % PUBLISHERS.length].site;
    campaigns.push({
      bucket,
      name: `${THEMES[bucket % THEMES.length]} on ${publisher.split('.')[0]}`,
      publisher,
      reach: (0.5 + rng.float()) / Math.pow(1 + bucket, 0.6),
      lift: 0.02 + 0.08 * rng.float(),
    });
  }
  return {
    publishers: PUBLISHERS,
    advertiser: 'shop.example',
    campaigns,
    days: 28,
    maxValue: 4,
    valueWeights: [0.5, 0.25, 0.15, 0.1],
    credit: [0.7, 0.3],
    lifetimeDays: 30,
  };
}
