// Honest accounting through the demo's steps: a replayed report and a report whose ID was
// altered after encryption are counted as rejected (at upload or at aggregation), and the
// collected histogram still equals the sum of the devices' histograms, each report counted once.
import { describe, expect, it } from 'vitest';

import { aggregateAll } from '../src/aggregate.js';
import { collectBatch } from '../src/collect.js';
import { startDeployment } from '../src/deployment.js';
import { buildMarket } from '../src/model.js';
import { simulatePopulation } from '../src/population.js';
import { uploadAll } from '../src/upload.js';

describe('demo accounting with hostile reports (noise off)', () => {
  it('rejects a replay and a tampered report and still collects exactly the truth', async () => {
    const model = buildMarket(4, 17);
    const d = await startDeployment({
      histogramSize: 4,
      maxValue: model.maxValue,
      epsilon: 1,
      conversionSite: model.advertiser,
      unsafeDisableNoiseForTesting: true,
    });
    try {
      const sim = await simulatePopulation({
        devices: 300,
        seed: 17,
        model,
        epsilon: 1,
        serviceUrl: d.serviceUrl,
        service: d.service,
      });
      expect(sim.conversions).toBeGreaterThan(20);

      // A copy of the first report (same report ID: a replay) and a copy of the second whose
      // report ID was changed, so neither input share decrypts against its AAD.
      const replay = Uint8Array.from(sim.reports[0]);
      const tampered = Uint8Array.from(sim.reports[1]);
      tampered[0] ^= 0xff;
      const reports = [...sim.reports, replay, tampered];

      // Batches of 7 put the hostile copies in another request than their originals.
      const upload = await uploadAll(d.leaderUrl, d.task.taskId, reports, 7);
      expect(upload.sent).toBe(sim.conversions + 2);
      expect(upload.requests).toBe(Math.ceil((sim.conversions + 2) / 7));
      expect(upload.rejected.report_replayed).toBe(1);

      const aggregation = await aggregateAll(d.leader, upload.accepted);
      const rejectedAtUpload = upload.sent - upload.accepted;
      const rejectedAtAggregation = Object.values(aggregation.rejected).reduce((a, b) => a + b, 0);
      expect(rejectedAtUpload + rejectedAtAggregation).toBe(2);
      expect(aggregation.committed).toBe(sim.conversions);

      d.leader.start();
      const collected = await collectBatch(d, undefined);
      await d.leader.stop();
      expect(Number(collected.result.reportCount)).toBe(sim.conversions);
      expect(collected.result.buckets.map((b) => Number(b.value))).toEqual(sim.trueHistogram);
    } finally {
      await d.close();
    }
  });
});
