// DAP-18 HTTP surface: media types (draft-ietf-ppm-dap-18 §9.1), resource paths (§3, Appendix A)
// and the unpadded URL-safe Base 64 used for IDs in URLs and problem documents (RFC 4648 §5).
import { DecodeError, ParamError } from '../errors.js';
import { describe } from '../codec.js';

/** The `message` parameter of each DAP-18 media type (draft-ietf-ppm-dap-18 §9.1). */
export const MediaTypeMessage = {
  hpkeConfigList: 'hpke-config-list',
  uploadReq: 'upload-req',
  uploadErrors: 'upload-errors',
  aggregationJobInitReq: 'aggregation-job-init-req',
  aggregationJobResp: 'aggregation-job-resp',
  aggregationJobContinueReq: 'aggregation-job-continue-req',
  aggregateShareReq: 'aggregate-share-req',
  aggregateShare: 'aggregate-share',
  collectionJobReq: 'collection-job-req',
  collectionJobResp: 'collection-job-resp',
} as const;

/** The full `Content-Type` value of each DAP-18 message (draft-ietf-ppm-dap-18 §9.1). */
export const MediaType = {
  hpkeConfigList: 'application/ppm-dap;message=hpke-config-list',
  uploadReq: 'application/ppm-dap;message=upload-req',
  uploadErrors: 'application/ppm-dap;message=upload-errors',
  aggregationJobInitReq: 'application/ppm-dap;message=aggregation-job-init-req',
  aggregationJobResp: 'application/ppm-dap;message=aggregation-job-resp',
  aggregationJobContinueReq: 'application/ppm-dap;message=aggregation-job-continue-req',
  aggregateShareReq: 'application/ppm-dap;message=aggregate-share-req',
  aggregateShare: 'application/ppm-dap;message=aggregate-share',
  collectionJobReq: 'application/ppm-dap;message=collection-job-req',
  collectionJobResp: 'application/ppm-dap;message=collection-job-resp',
} as const;

/** The media type of problem documents (RFC 9457 §3). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * Reads the `message` parameter of an `application/ppm-dap` Content-Type. Type, subtype and
 * parameter names are case-insensitive (RFC 9110 §8.3.1); other parameters such as `version`
 * are ignored.
 *
 * @param contentType the header value
 * @returns the message name, or undefined when the header is not `application/ppm-dap` with one
 *   `message` parameter
 * @example dapMessageOf('application/ppm-dap; message=upload-req') // 'upload-req'
 */
export function dapMessageOf(contentType: string | null | undefined): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  const [type, ...params] = contentType.split(';');
  if (type.trim().toLowerCase() !== 'application/ppm-dap') return undefined;
  let message: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) return undefined;
    const name = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (name === 'message') {
      if (message !== undefined) return undefined;
      message = value;
    }
  }
  return message;
}

/**
 * Encodes bytes as unpadded URL-safe Base 64 (RFC 4648 §5, §3.2), the form of task, job and
 * share IDs in resource URLs and of `taskid` in problem documents (draft-ietf-ppm-dap-18 §3).
 *
 * @param bytes the ID
 * @returns the Base 64 text
 * @example base64UrlEncode(taskId)
 */
export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += B64URL[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decodes unpadded URL-safe Base 64, strictly: no padding, no other alphabet, canonical trailing
 * bits, and optionally an exact decoded length.
 *
 * @param text the Base 64 text
 * @param length the expected byte length, when known (32 for task IDs)
 * @returns the bytes
 * @throws {DecodeError} when the text is not canonical unpadded base64url or has another length
 * @example base64UrlDecode('8BY0RzZMzxvA46_8ymhzycOB9krN-QIGYvg_RsByGec', 32)
 */
export function base64UrlDecode(text: string, length?: number): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new DecodeError('base64url: expected unpadded URL-safe Base 64');
  }
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let k = 0;
  for (const ch of text) {
    acc = ((acc << 6) | B64URL.indexOf(ch)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[k++] = (acc >> bits) & 0xff;
    }
  }
  if (base64UrlEncode(bytes) !== text) {
    throw new DecodeError('base64url: non-canonical encoding');
  }
  if (length !== undefined && bytes.length !== length) {
    throw new DecodeError(`base64url: expected ${length} bytes, received ${bytes.length}`);
  }
  return bytes;
}

function idSegment(id: Uint8Array, name: string): string {
  if (!(id instanceof Uint8Array) || id.length === 0) {
    throw new ParamError(`${name}: expected non-empty bytes, received ${describe(id)}`);
  }
  return base64UrlEncode(id);
}

/**
 * DAP-18 resource paths relative to an aggregator's base URL (draft-ietf-ppm-dap-18 Appendix A),
 * with IDs in unpadded URL-safe Base 64. Join them to a base URL with {@link resourceUrl}.
 */
export const ResourcePath = {
  /** `/hpke_config` (draft-ietf-ppm-dap-18 §4.4.1). */
  hpkeConfig: (): string => '/hpke_config',
  /** `/tasks/{task-id}/reports` (draft-ietf-ppm-dap-18 §4.4.2). */
  reports: (taskId: Uint8Array): string => `/tasks/${idSegment(taskId, 'task_id')}/reports`,
  /** `/tasks/{task-id}/aggregation_jobs[/{aggregation-job-id}]` (draft-ietf-ppm-dap-18 §4.5). */
  aggregationJobs: (taskId: Uint8Array, jobId?: Uint8Array): string =>
    `/tasks/${idSegment(taskId, 'task_id')}/aggregation_jobs` +
    (jobId === undefined ? '' : `/${idSegment(jobId, 'aggregation_job_id')}`),
  /** `/tasks/{task-id}/collection_jobs[/{collection-job-id}]` (draft-ietf-ppm-dap-18 §4.6). */
  collectionJobs: (taskId: Uint8Array, jobId?: Uint8Array): string =>
    `/tasks/${idSegment(taskId, 'task_id')}/collection_jobs` +
    (jobId === undefined ? '' : `/${idSegment(jobId, 'collection_job_id')}`),
  /** `/tasks/{task-id}/aggregate_shares[/{aggregate-share-id}]` (draft-ietf-ppm-dap-18 §4.6.4). */
  aggregateShares: (taskId: Uint8Array, shareId?: Uint8Array): string =>
    `/tasks/${idSegment(taskId, 'task_id')}/aggregate_shares` +
    (shareId === undefined ? '' : `/${idSegment(shareId, 'aggregate_share_id')}`),
} as const;

/**
 * Expands `{leader}` or `{helper}` in a resource URL (draft-ietf-ppm-dap-18 §3).
 *
 * Spec: §3 expands the variable by plain substitution, so a base URL ending in "/" would yield
 * "//tasks"; we drop that one slash when joining. The configured URL itself (what the AADs
 * contain) is never changed.
 *
 * @param baseUrl the aggregator's API URL as configured
 * @param path a path from {@link ResourcePath}
 * @returns the request URL
 * @example resourceUrl('https://example.com/api/dap', ResourcePath.reports(taskId))
 */
export function resourceUrl(baseUrl: string, path: string): string {
  return baseUrl.endsWith('/') ? baseUrl + path.slice(1) : baseUrl + path;
}
