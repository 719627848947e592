// The edge module mapping every failure to an HTTP answer: DAP aborts become RFC 9457
// `application/problem+json` documents with the DAP error types, anything else a bare 500.
import {
  PROBLEM_MEDIA_TYPE,
  problemDocument,
  ProtocolError,
  type ProblemType,
} from '@private-measurement/protocol';
import { AggregatorError } from '../errors.js';

/** A protocol abort: the request fails with a DAP problem type (draft-ietf-ppm-dap-18 §3.6). */
export class DapAbort extends AggregatorError {
  /** The DAP error type token, e.g. `invalidMessage`. */
  readonly type: ProblemType;
  /** The task the request named, when known. */
  readonly taskId: Uint8Array | undefined;

  constructor(type: ProblemType, detail: string, taskId?: Uint8Array) {
    super(`DAP_${type}`, detail);
    this.type = type;
    this.taskId = taskId;
  }
}

/** A non-DAP HTTP failure (authentication, routing, media type, size) with its status. */
export class HttpFailure extends AggregatorError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(`HTTP_${status}`, message);
    this.status = status;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function json(status: number, body: object, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': PROBLEM_MEDIA_TYPE, ...headers },
  });
}

/** What the edge decided about an error: the response, and a stable label for metrics/logs. */
export interface ErrorOutcome {
  response: Response;
  /** `dap:<type>`, `http:<status>` or `internal`; never contains request data. */
  label: string;
  /** True for faults of ours (to log at error level), false for the client's mistakes. */
  internal: boolean;
}

/**
 * Maps any thrown value to an HTTP response. DAP aborts and decoding failures become DAP
 * problem documents; typed HTTP failures keep their status; everything else is an internal
 * error whose details stay in the logs, never in the response.
 *
 * @param error - what the handler threw.
 * @param taskId - the task named by the request, if any, echoed as `taskid`.
 * @returns the response with its metric label.
 */
export function errorToResponse(error: unknown, taskId?: Uint8Array): ErrorOutcome {
  if (error instanceof DapAbort) {
    const doc = problemDocument(error.type, {
      detail: error.message,
      taskId: error.taskId ?? taskId,
    });
    return { response: json(doc.status, doc), label: `dap:${error.type}`, internal: false };
  }
  if (error instanceof ProtocolError && (error.code === 'DECODE' || error.code === 'PARAM')) {
    // A message that does not decode is the client's invalidMessage (draft-ietf-ppm-dap-18 §3.6).
    const doc = problemDocument('invalidMessage', { detail: error.message, taskId });
    return { response: json(doc.status, doc), label: 'dap:invalidMessage', internal: false };
  }
  if (error instanceof HttpFailure) {
    const body = {
      type: 'about:blank',
      title: REASONS[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
    };
    const headers: Record<string, string> =
      error.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
    return {
      response: json(error.status, body, headers),
      label: `http:${error.status}`,
      internal: false,
    };
  }
  const body = { type: 'about:blank', title: REASONS[500], status: 500 };
  return { response: json(500, body), label: 'internal', internal: true };
}
