// Error classes of @private-measurement/client: a base class with a stable `code` for the
// package's own failures, and the Web-platform error types the W3C Attribution API mandates
// for API misuse (RangeError, TypeError, ReferenceError, DOMException "SyntaxError").

/** Base class of every failure of the client package that is not an API-misuse error. */
export class ClientError extends Error {
  /** Stable machine-readable error code; callers branch on it, never on message text. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A client configuration (limits, budgets, aggregation services) that cannot be used. */
export class ConfigError extends ClientError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** The store could not be read or written; the operation changed nothing. */
export class StorageError extends ClientError {
  constructor(message: string) {
    super('STORAGE', message);
  }
}

/** A report could not be encoded or encrypted for the aggregation service. */
export class ReportError extends ClientError {
  constructor(message: string) {
    super('REPORT', message);
  }
}

/** A DAP upload failed (network error or an error response from the Leader). */
export class UploadError extends ClientError {
  /** HTTP status of the Leader's response, or 0 when no response arrived. */
  readonly status: number;
  /** DAP problem type URN from an `application/problem+json` body, when present. */
  readonly problemType: string | undefined;
  /** DAP ReportError code when the Leader rejected the report itself (draft-ietf-ppm-dap-18 §4.1). */
  readonly reportError: number | undefined;

  constructor(message: string, status: number, problemType?: string, reportError?: number) {
    super('UPLOAD', message);
    this.status = status;
    this.problemType = problemType;
    this.reportError = reportError;
  }
}

/**
 * API misuse reported as a `RangeError`, as the W3C Attribution API mandates for out-of-range
 * options. `code` is always `"RANGE"`; `option` names the offending dictionary member.
 */
export class AttributionRangeError extends RangeError {
  /** Stable code, always "RANGE". */
  readonly code = 'RANGE';
  /** Name of the option that failed validation. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.name = 'RangeError';
    this.option = option;
  }
}

/**
 * API misuse reported as a `TypeError`: a value that WebIDL conversion rejects (missing required
 * member, wrong type, non-finite double, integer out of its IDL range).
 */
export class AttributionTypeError extends TypeError {
  /** Stable code, always "TYPE". */
  readonly code = 'TYPE';
  /** Name of the option that failed conversion. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.name = 'TypeError';
    this.option = option;
  }
}

/** An unknown aggregation service, reported as a `ReferenceError` (W3C Attribution §3.5). */
export class AttributionReferenceError extends ReferenceError {
  /** Stable code, always "REFERENCE". */
  readonly code = 'REFERENCE';
  /** Name of the option that failed validation. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.name = 'ReferenceError';
    this.option = option;
  }
}

/**
 * A string that does not parse as a site: a `DOMException` named "SyntaxError", as the spec
 * mandates. DOMException keeps its legacy numeric `code` (12); `option` names the input.
 *
 * @param option - the option or input that held the bad site
 * @returns the exception to throw
 */
export function siteSyntaxError(option: string): DOMException & { option: string } {
  const error = new DOMException(`${option}: expected a site (registrable domain)`, 'SyntaxError');
  return Object.assign(error, { option });
}
