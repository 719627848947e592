// Error classes of @private-measurement/aggregator. Callers branch on `code`, never on message
// text; messages never contain shares, keys, tokens or measurements.

/** Base class of every error thrown by the aggregator package. `code` is stable. */
export class AggregatorError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The datastore failed: a driver error, a failed migration or a violated invariant. */
export class StoreError extends AggregatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE', message, options);
  }
}

/** A configuration file, task definition or option is invalid. */
export class ConfigError extends AggregatorError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** The peer aggregator answered with an error, garbage, or not at all. */
export class PeerError extends AggregatorError {
  /** HTTP status of the peer's answer, 0 when there was none. */
  readonly status: number;
  /** DAP problem type of the peer's answer, if it sent one. */
  readonly problemType: string | undefined;

  constructor(message: string, status: number, problemType?: string) {
    super('PEER', message);
    this.status = status;
    this.problemType = problemType;
  }
}
