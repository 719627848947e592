// The messages between the load run and its aggregator processes (node IPC): requests carry an
// ID that the answer repeats, so that several can be in flight.
import type { BackpressureConfig, DriverConfig, TaskSpec } from '@private-measurement/aggregator';

/** What the load run asks an aggregator process. */
export type ChildRequest =
  | {
      id: number;
      type: 'configure';
      /** Store URL: `sqlite:PATH` or `postgres://...?schema=NAME`. */
      store: string;
      task: TaskSpec;
      drivers: Partial<DriverConfig>;
      /** Upload back-pressure (503 with Retry-After while too many reports wait); default off. */
      backpressure?: Partial<BackpressureConfig>;
      /**
       * An HPKE key to install before the aggregator starts (so that reports sealed once can
       * be uploaded to several deployments): the encoded HpkeConfig and the private key,
       * base64url. Without it the aggregator makes its own.
       */
      hpkeKey?: { config: string; privateKey: string };
    }
  /** Starts the Leader's drivers. */
  | { id: number; type: 'start' }
  /** Reports of a task aggregated so far (the Leader's batch buckets). */
  | { id: number; type: 'status'; taskId: string }
  /** The process's resident set size, where /proc cannot be read. */
  | { id: number; type: 'rss' }
  /** Stops the drivers, closes the aggregator and the server, then exits. */
  | { id: number; type: 'stop' };

/** An answer: `value` on success, `error` (a message without secrets) on failure. */
export interface ChildAnswer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** The first message of an aggregator process: it listens on this loopback URL. */
export interface ListeningMessage {
  type: 'listening';
  url: string;
}

/** What a status request answers. */
export interface ChildStatus {
  /** Reports in the task's batch buckets: aggregated by both parties and committed. */
  aggregated: number;
}
