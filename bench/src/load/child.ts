// The load run's side of one aggregator process: starts it, waits for its URL, sends it
// requests over IPC and matches the answers, keeps the end of its stderr for error messages.
import { fork, type ChildProcess } from 'node:child_process';
import type { ChildAnswer, ChildRequest, ListeningMessage } from './messages.js';

/** Milliseconds a child may take to listen, or to answer a request, before it is failed. */
export const CHILD_ANSWER_MS = 120_000;

type Pending = { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout };

/** Distributes `Omit` over the members of a union. */
type RequestBody = ChildRequest extends infer R
  ? R extends unknown
    ? Omit<R, 'id'>
    : never
  : never;

/** One aggregator process. */
export class AggregatorChild {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stderr = '';
  private exited: string | undefined;

  private constructor(
    readonly role: string,
    private readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  /** Process ID, for RSS sampling. */
  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /**
   * Starts an aggregator process and waits until it listens.
   *
   * @param script - path of the bundled dist/load/aggregator-process.js.
   * @param role - a label for messages and figures, e.g. "leader 1".
   * @param port - the loopback port to listen on; 0: any free port.
   * @returns the running child.
   * @throws {Error} when it exits or stays silent before listening.
   */
  static async start(script: string, role: string, port = 0): Promise<AggregatorChild> {
    const proc = fork(script, [String(port)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
    });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${role}: expected to listen within ${CHILD_ANSWER_MS / 1000} s`));
      }, CHILD_ANSWER_MS);
      proc.once('message', (m: ListeningMessage) => {
        clearTimeout(timer);
        resolve(m.url);
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(`${role}: exited with ${code ?? signal} before listening: ${tail(stderr)}`),
        );
      });
    });
    proc.removeAllListeners('exit');
    const child = new AggregatorChild(role, proc, url);
    child.stderr = stderr;
    proc.stderr?.removeAllListeners('data');
    proc.stderr?.on(
      'data',
      (d: Buffer) => (child.stderr = (child.stderr + d.toString()).slice(-4000)),
    );
    proc.on('message', (a: ChildAnswer) => child.answer(a));
    proc.on('exit', (code, signal) => {
      child.exited = `${role}: exited with ${code ?? signal}: ${tail(child.stderr)}`;
      for (const p of child.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(child.exited));
      }
      child.pending.clear();
    });
    return child;
  }

  private answer(a: ChildAnswer): void {
    const p = this.pending.get(a.id);
    if (p === undefined) return;
    this.pending.delete(a.id);
    clearTimeout(p.timer);
    if (a.ok) p.resolve(a.value);
    else p.reject(new Error(`${this.role}: ${a.error}`));
  }

  /**
   * Sends a request and waits for its answer.
   *
   * @param body - the request without its ID.
   * @returns the answer's value.
   * @throws {Error} when the child answers with an error, exits, or does not answer in time.
   */
  request(body: RequestBody): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.role}: no answer to ${body.type} in ${CHILD_ANSWER_MS / 1000} s`));
      }, CHILD_ANSWER_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.proc.send({ ...body, id } as ChildRequest);
    });
  }

  /**
   * Stops the child: asks it to close, and kills it when it has not exited within 10 s.
   */
  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.request({ type: 'stop' }).catch(() => this.proc.kill('SIGKILL'));
    await gone;
    clearTimeout(kill);
  }
}

function tail(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 0 ? '(no output)' : lines[lines.length - 1].trim().slice(0, 300);
}
