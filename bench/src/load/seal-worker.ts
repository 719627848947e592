// A worker thread of the load run's report generation (bundled as dist/load/seal-worker.js):
// seals its share of the batches into the report file and posts its part of the expected sum.
import { parentPort, workerData } from 'node:worker_threads';
import { variantByLabel } from '../aggregator/deployment.js';
import { sealShare, type SealWorkerData } from './report-file.js';

const data = workerData as SealWorkerData;
if (data?.pmSealWorker === true) {
  sealShare(data, variantByLabel(data.variant), (n) => parentPort?.postMessage({ batch: n })).then(
    (expected) => parentPort?.postMessage({ expected }),
    (e: unknown) => parentPort?.postMessage({ error: (e as Error).message }),
  );
}
