// DAP-18 problem types (draft-ietf-ppm-dap-18 §3.6, §9.3) with the HTTP status we send for each,
// and problem documents (RFC 9457).
import { ParamError } from '../errors.js';
import { describe } from '../codec.js';
import { base64UrlEncode } from './http.js';

/** Prefix of every DAP problem type URN (draft-ietf-ppm-dap-18 §3.6). */
export const PROBLEM_TYPE_PREFIX = 'urn:ietf:params:ppm:dap:error:';

/**
 * The DAP-18 problem types, their HTTP status and title (draft-ietf-ppm-dap-18 §3.6).
 *
 * Spec: §3.6 only says an abort carries a client-error status; we send 404 for the two
 * "unrecognized" resource types and 400 for every other one.
 */
export const PROBLEM_TYPES = {
  invalidMessage: {
    status: 400,
    title: 'A message could not be parsed or otherwise was invalid.',
  },
  unrecognizedTask: { status: 404, title: 'The task ID is unknown.' },
  unrecognizedAggregationJob: { status: 404, title: 'The aggregation job ID is unknown.' },
  batchInvalid: { status: 400, title: 'The batch boundary check for the query failed.' },
  invalidBatchSize: { status: 400, title: 'There is an invalid number of reports in the batch.' },
  invalidAggregationParameter: {
    status: 400,
    title: 'The aggregation parameter assigned to a batch is invalid.',
  },
  batchMismatch: {
    status: 400,
    title: 'The aggregators disagree on the report shares aggregated in a batch.',
  },
  stepMismatch: {
    status: 400,
    title: 'The aggregators disagree on the current step of the aggregation protocol.',
  },
  batchOverlap: {
    status: 400,
    title: 'The query includes reports previously collected in a different batch.',
  },
  unsupportedExtension: { status: 400, title: 'An extensions list includes an unknown extension.' },
  invalidExtension: {
    status: 400,
    title: 'An extensions list is out of order or contains an invalid extension encoding.',
  },
} as const;

/** A DAP-18 problem type token such as `invalidMessage`. */
export type ProblemType = keyof typeof PROBLEM_TYPES;

/** An RFC 9457 problem document carrying a DAP problem type. */
export interface ProblemDocument {
  /** `urn:ietf:params:ppm:dap:error:<token>`. */
  type: string;
  /** The fixed title of the type. */
  title: string;
  /** The HTTP status code. */
  status: number;
  /** Human-readable diagnostics; never secrets. */
  detail?: string;
  /** The task ID in unpadded URL-safe Base 64 (draft-ietf-ppm-dap-18 §3.6). */
  taskid?: string;
  /** Unrecognized extension codepoints (draft-ietf-ppm-dap-18 §4.4.2.2). */
  unsupported_extensions?: number[];
}

/**
 * The full URN of a problem type.
 *
 * @param type a DAP-18 problem type token
 * @returns `urn:ietf:params:ppm:dap:error:<type>`
 * @throws {ParamError} when the token is not a DAP-18 problem type
 * @example problemTypeUrn('invalidMessage')
 */
export function problemTypeUrn(type: ProblemType): string {
  if (!Object.hasOwn(PROBLEM_TYPES, type)) {
    throw new ParamError(`problem type: unknown token ${describe(type)}`);
  }
  return PROBLEM_TYPE_PREFIX + type;
}

/**
 * Builds the problem document of a DAP abort.
 *
 * @param type the problem type token
 * @param options `detail` text, the `taskId` (encoded into `taskid`) and
 *   `unsupportedExtensions` codepoints
 * @returns the document; send it with its `status` and `application/problem+json`
 * @throws {ParamError} when the token is not a DAP-18 problem type
 * @example problemDocument('unrecognizedTask', { taskId })
 */
export function problemDocument(
  type: ProblemType,
  options: { detail?: string; taskId?: Uint8Array; unsupportedExtensions?: number[] } = {},
): ProblemDocument {
  const doc: ProblemDocument = {
    type: problemTypeUrn(type),
    title: PROBLEM_TYPES[type].title,
    status: PROBLEM_TYPES[type].status,
  };
  if (options.detail !== undefined) doc.detail = options.detail;
  if (options.taskId !== undefined) doc.taskid = base64UrlEncode(options.taskId);
  if (options.unsupportedExtensions !== undefined) {
    doc.unsupported_extensions = [...options.unsupportedExtensions];
  }
  return doc;
}

/**
 * Reads the DAP problem type token of a problem document's `type`.
 *
 * @param type the `type` member of a received problem document
 * @returns the token, or undefined when it is not a DAP-18 problem type
 * @example problemTypeOf('urn:ietf:params:ppm:dap:error:batchMismatch') // 'batchMismatch'
 */
export function problemTypeOf(type: unknown): ProblemType | undefined {
  if (typeof type !== 'string' || !type.startsWith(PROBLEM_TYPE_PREFIX)) return undefined;
  const token = type.slice(PROBLEM_TYPE_PREFIX.length);
  return Object.hasOwn(PROBLEM_TYPES, token) ? (token as ProblemType) : undefined;
}
