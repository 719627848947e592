// A local DAP-18 Leader for tests, on loopback: the reports resource of draft-ietf-ppm-dap-18
// §4.4.2 for provisioned attribution tasks. It accepts a report only after doing what both
// aggregators would do with it: open the Leader's and the Helper's input shares with their HPKE
// keys, decode them and run the Prio3L1BoundSum verification to the end. It keeps the sum of the
// accepted output shares per task, so a test can compare it with the histograms measured.
// It depends only on @private-measurement/protocol, not on the aggregator package.
import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  MediaType,
  PROBLEM_MEDIA_TYPE,
  Prio3L1BoundSum,
  ReportError,
  Role,
  base64UrlDecode,
  base64UrlEncode,
  decodeUploadRequest,
  dapMessageOf,
  encodeUploadErrors,
  openInputShare,
  problemDocument,
  timeToSeconds,
  vdafContext,
  type HpkeKeypair,
  type ProblemType,
  type Report,
  type ReportUploadStatus,
} from '@private-measurement/protocol';

import type { AttributionTask } from '../../src/index.js';

/** Largest request body read, bytes. */
const MAX_BODY = 1 << 20;

/** Accepted clock skew for report times, seconds. */
const SKEW_SECONDS = 3600n;

interface TaskState {
  task: AttributionTask;
  vdaf: Prio3L1BoundSum;
  /** Sum of the accepted reports' output shares, per aggregator (Leader, Helper). */
  aggregates: [unknown[], unknown[]];
  accepted: number;
}

/** What the local Leader saw: accepted and rejected reports, aborted requests. */
export interface LeaderLog {
  accepted: number;
  rejected: Array<{ error: number }>;
  aborts: Array<{ status: number; type: string }>;
}

/** The Leader's reports resource for provisioned attribution tasks. */
export class LocalLeader {
  readonly log: LeaderLog = { accepted: 0, rejected: [], aborts: [] };
  private readonly tasks = new Map<string, TaskState>();
  private readonly seen = new Set<string>();
  private readonly verifyKey = new Uint8Array(32).fill(0x5a);

  /**
   * @param leaderKeys - the Leader's HPKE key pair
   * @param helperKeys - the Helper's, used to check the Helper's share as the Helper would
   * @param pathPrefix - where the Leader's API lives on the server, e.g. "/dap/"
   * @param now - clock, ms
   */
  constructor(
    private readonly leaderKeys: HpkeKeypair,
    private readonly helperKeys: HpkeKeypair,
    private readonly pathPrefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Provision an attribution task (as both aggregators would, from attributionTask). */
  provision(task: AttributionTask): void {
    const { length, maxValue, chunkLength } = task.vdaf;
    const vdaf = new Prio3L1BoundSum(2, length, maxValue, chunkLength, { backend: 'ts' });
    this.tasks.set(base64UrlEncode(task.taskId), {
      task,
      vdaf,
      aggregates: [[], []],
      accepted: 0,
    });
  }

  /** The unsharded sum of the accepted reports of a task, and how many there were. */
  collect(taskId: Uint8Array): { count: number; sum: bigint[] } {
    const state = this.tasks.get(base64UrlEncode(taskId));
    if (state === undefined) throw new Error('unknown task');
    const shares = state.aggregates.map((outs) => state.vdaf.aggregate(outs as never));
    return { count: state.accepted, sum: state.vdaf.unshard(shares, state.accepted) };
  }

  /**
   * Serve a request if it is for the reports resource.
   *
   * @returns false when the path is not the Leader's
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith(this.pathPrefix)) return false;
    const match = /^tasks\/([^/]+)\/reports$/.exec(path.slice(this.pathPrefix.length));
    if (match === null || req.method !== 'POST') {
      res.writeHead(404).end();
      return true;
    }
    const body = await readBody(req);

    // draft-ietf-ppm-dap-18 §4.4.2: the task must be known, the body an UploadRequest.
    let state: TaskState | undefined;
    try {
      state = this.tasks.get(base64UrlEncode(base64UrlDecode(match[1]!, 32)));
    } catch {
      state = undefined;
    }
    if (state === undefined) return this.abort(res, 'unrecognizedTask');
    if (body === undefined || dapMessageOf(req.headers['content-type']) !== 'upload-req') {
      return this.abort(res, 'invalidMessage');
    }
    let reports: Report[];
    try {
      reports = decodeUploadRequest(body);
    } catch {
      return this.abort(res, 'invalidMessage');
    }

    const errors: ReportUploadStatus[] = [];
    for (const report of reports) {
      const error = await this.accept(state, report);
      if (error !== undefined) {
        errors.push({ id: report.reportMetadata.reportId, error });
        this.log.rejected.push({ error });
      }
    }
    if (errors.length === 0) {
      res.writeHead(200).end();
    } else {
      res
        .writeHead(200, { 'content-type': MediaType.uploadErrors })
        .end(encodeUploadErrors(errors));
    }
    return true;
  }

  /** Check one report as both aggregators would; returns its ReportError, or undefined. */
  private async accept(state: TaskState, report: Report): Promise<number | undefined> {
    const { task, vdaf } = state;
    const meta = report.reportMetadata;

    // draft-ietf-ppm-dap-18 §4.4.2: replays and reports too far in the future are refused.
    const id = base64UrlEncode(meta.reportId);
    if (this.seen.has(id)) return ReportError.report_replayed;
    const seconds = timeToSeconds(meta.time, task.taskConfiguration.timePrecision);
    const nowSeconds = BigInt(Math.floor(this.now() / 1000));
    if (seconds > nowSeconds + SKEW_SECONDS) return ReportError.report_too_early;
    if (seconds < nowSeconds - SKEW_SECONDS) return ReportError.report_dropped;

    // The attribution task knows exactly one public extension: privacy_budget, 4 bytes.
    const exts = meta.publicExtensions;
    if (
      exts.length !== 1 ||
      exts[0]!.extensionType !== task.codepoints.privacyBudget ||
      exts[0]!.extensionData.length !== 4
    ) {
      return ReportError.invalid_message;
    }

    // draft-ietf-ppm-dap-18 §4.5.3.3: open each input share with its aggregator's key.
    const ctx = vdafContext(task.taskId);
    let publicShare;
    try {
      publicShare = vdaf.decodePublicShare(report.publicShare);
    } catch {
      return ReportError.invalid_message;
    }
    const inits = [];
    for (const [aggId, role, keys, ciphertext] of [
      [0, Role.leader, this.leaderKeys, report.leaderEncryptedInputShare],
      [1, Role.helper, this.helperKeys, report.helperEncryptedInputShare],
    ] as const) {
      let payload: Uint8Array;
      try {
        const plain = await openInputShare({
          taskId: task.taskId,
          taskConfiguration: task.taskConfiguration,
          role,
          keys,
          reportMetadata: meta,
          publicShare: report.publicShare,
          encryptedInputShare: ciphertext,
        });
        if (plain.privateExtensions.length !== 0) return ReportError.invalid_message;
        payload = plain.payload;
      } catch {
        return ReportError.hpke_decrypt_error;
      }
      try {
        const share = vdaf.decodeInputShare(aggId, payload);
        inits.push(vdaf.verifyInit(this.verifyKey, ctx, aggId, meta.reportId, publicShare, share));
      } catch {
        return ReportError.invalid_message;
      }
    }

    // draft-irtf-cfrg-vdaf-20 §7.2: the verifier shares combine into a message that both
    // aggregators accept only when the proof holds; otherwise the report is refused.
    let outputs;
    try {
      const message = vdaf.verifierSharesToMessage(
        ctx,
        inits.map((i) => i.verifierShare),
      );
      outputs = inits.map((i) => vdaf.verifyNext(ctx, i.state, message));
    } catch {
      return ReportError.vdaf_verify_error;
    }
    this.seen.add(id);
    state.aggregates[0].push(outputs[0]);
    state.aggregates[1].push(outputs[1]);
    state.accepted += 1;
    this.log.accepted += 1;
    return undefined;
  }

  private abort(res: ServerResponse, type: ProblemType): true {
    const doc = problemDocument(type);
    this.log.aborts.push({ status: doc.status, type });
    res.writeHead(doc.status, { 'content-type': PROBLEM_MEDIA_TYPE }).end(JSON.stringify(doc));
    return true;
  }
}

/** The request body, or undefined when it exceeds MAX_BODY. */
async function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
