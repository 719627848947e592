// Upload of the devices' reports to the Leader in batches, through the client's upload path
// (one DAP-18 upload request per batch, draft-ietf-ppm-dap-18 §4.4.2).
import { uploadReports } from '@private-measurement/client';
import { reportErrorName } from '@private-measurement/protocol';

/** What the Leader said about the uploaded reports. */
export interface UploadSummary {
  sent: number;
  accepted: number;
  /** Rejected reports by DAP report error (e.g. `report_too_early`). */
  rejected: Record<string, number>;
  requests: number;
}

/**
 * Uploads reports in batches.
 *
 * @param leaderUrl - the Leader's DAP endpoint.
 * @param taskId - the attribution task's ID.
 * @param reports - encoded reports.
 * @param batchSize - reports per upload request.
 * @param onProgress - called after each batch with the number sent so far.
 * @returns counts of accepted and rejected reports.
 * @throws {UploadError} when a request fails as a whole.
 */
export async function uploadAll(
  leaderUrl: string,
  taskId: Uint8Array,
  reports: readonly Uint8Array[],
  batchSize = 250,
  onProgress?: (sent: number) => void,
): Promise<UploadSummary> {
  const summary: UploadSummary = { sent: 0, accepted: 0, rejected: {}, requests: 0 };
  for (let i = 0; i < reports.length; i += batchSize) {
    const batch = reports.slice(i, i + batchSize);
    const errors = await uploadReports(leaderUrl, taskId, batch);
    summary.requests++;
    summary.sent += batch.length;
    summary.accepted += batch.length - errors.length;
    for (const e of errors) {
      const name = reportErrorName(e.error);
      summary.rejected[name] = (summary.rejected[name] ?? 0) + 1;
    }
    onProgress?.(summary.sent);
  }
  return summary;
}
