// A plain-language statement, generated from the configuration, of what a conversion report
// reveals, who runs the aggregators and how much privacy an epoch can cost
// (W3C Attribution §10.1 "Information Exposed", §11 "Differential Privacy").

import type { AttributionConfig } from './config.js';

function eps(micro: number): string {
  return (micro / 1e6).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

function host(url: string | undefined): string {
  if (url === undefined) return 'an unnamed server';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Describe, for a person, what the Attribution API configured with `config` can reveal.
 *
 * @param config - the client's configuration
 * @returns several short paragraphs of plain text
 * @example
 * console.log(describePrivacy(client.config));
 */
export function describePrivacy(config: Readonly<AttributionConfig>): string {
  const days = config.privacyBudgetEpochDays;
  const paragraphs: string[] = [];

  paragraphs.push(
    'Websites that show ads can ask this browser to remember that you saw an ad. Nothing about ' +
      'it leaves the device then. Later, a website where you buy or sign up can ask for a ' +
      'conversion report. The browser matches the purchase to ads you saw here in the last ' +
      `${config.maxLookbackDays} days and writes a report: a short list of at most ` +
      `${config.maxHistogramSize} numbers that add up to no more than a limit the website sets ` +
      'in advance.',
  );

  paragraphs.push(
    'The report is split into two random-looking halves, each locked so that only one of two ' +
      'independent aggregators can open it. Neither half alone says anything. The aggregators ' +
      'only ever release totals over many people, with random noise added, so the website never ' +
      'sees your report itself. A report is sent even when nothing matched, when the privacy ' +
      'budget is used up or when you have turned attribution off; it then counts zero, and no ' +
      'one can tell it apart from any other.',
  );

  const services = Object.entries(config.aggregationServices);
  if (services.length === 0) {
    paragraphs.push('No aggregation service is configured, so no report can be sent.');
  } else {
    const lines = services.map(([url, s]) => {
      const leader = s.leader?.operator ?? host(s.leader?.url ?? url);
      const helper = s.helper?.operator ?? host(s.helper?.url);
      return `- ${url}: run by ${leader} (first aggregator) and ${helper} (second aggregator).`;
    });
    paragraphs.push(
      'Reports can go to these aggregation services. Your report stays private as long as at ' +
        'least one of the two aggregators of a service is honest and does not share its half ' +
        'with the other:\n' +
        lines.join('\n'),
    );
  }

  paragraphs.push(
    `Privacy loss is counted in "epsilon" over periods of ${days} days (epochs), starting at a ` +
      'random hour chosen by this device. In one epoch, each website can spend at most ' +
      `epsilon ${eps(config.perSitePrivacyBudget)} to learn about the ads you saw in that epoch; ` +
      `all websites together at most epsilon ${eps(config.globalPrivacyBudgetPerEpoch)}; and ` +
      `reports can draw at most epsilon ${eps(config.impressionSiteQuotaPerEpoch)} on ads seen ` +
      'on any one website. A report that looks back across more than one epoch costs up to ' +
      'twice as much. When a budget is used up, reports for it carry nothing until the next ' +
      'epoch.',
  );

  paragraphs.push(
    'You can turn attribution off, clear the ads it remembers for some or all websites, and ' +
      'review every report that left this device and the budget it spent.',
  );
  return paragraphs.join('\n\n');
}
