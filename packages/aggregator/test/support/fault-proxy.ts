// A loopback HTTP proxy that injects faults between DAP parties: per request it forwards, delays
// (before or after the upstream), answers 500, forwards twice, holds, or loses the response.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  /** Arrival order, from 0. */
  seq: number;
  method: string;
  /** Path and query. */
  path: string;
  /** The DAP resource: `aggregation_jobs`, `aggregation_job`, `aggregate_shares`, ... */
  resource: string;
  /** The `x-pm-test-sender` header (the sending process's name), or ''. */
  sender: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** What the proxy did, and the status it answered (0: none, the connection was cut). */
  action?: Action['kind'];
  status?: number;
  /** The answer's body and Location header, once answered. */
  response?: Uint8Array;
  location?: string | null;
}

/**
 * What the proxy does with one request: `forward` it; `fail` it with `status` without
 * forwarding; `delay` it by `ms` before forwarding; forward it and answer `slow`ly, `ms` after
 * the upstream did; forward it twice and answer the second response (`duplicate`); `hold` it
 * until `release()`; or forward it, run `afterUpstream` (e.g. a SIGKILL) and cut the client's
 * connection instead of answering (`drop`: the upstream acted, its answer is lost). An
 * unreachable upstream is answered 502, as a gateway would.
 */
export type Action =
  | { kind: 'forward' }
  | { kind: 'fail'; status: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'slow'; ms: number }
  | { kind: 'duplicate' }
  | { kind: 'hold' }
  | { kind: 'drop'; afterUpstream?: (r: ProxiedRequest) => Promise<void> };

/** Chooses the action for each request. */
export type Policy = (r: ProxiedRequest) => Action;

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** Every request seen, in order. */
  readonly log: ProxiedRequest[];
  setPolicy(policy: Policy): void;
  setTarget(url: string): void;
  /** Requests currently held. */
  held(): ProxiedRequest[];
  /** Forwards every held request (answering its sender if it is still connected). */
  release(): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'content-length',
]);

function resourceOf(path: string): string {
  const m = /\/tasks\/[^/]+\/([a-z_]+)(\/[^/?]+)?/.exec(path);
  if (m === null) return path.split('?')[0].slice(1) || 'root';
  return m[2] === undefined ? m[1] : m[1].replace(/s$/, '');
}

async function readAll(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Starts a proxy in front of `target`.
 *
 * @param target - the upstream base URL (`http://127.0.0.1:PORT/`).
 * @param policy - the initial policy (default: forward everything).
 * @returns the proxy.
 */
export async function startFaultProxy(
  target: string,
  policy: Policy = () => ({ kind: 'forward' }),
): Promise<FaultProxy> {
  let upstream = target;
  let choose = policy;
  const log: ProxiedRequest[] = [];
  const holding: { r: ProxiedRequest; res: ServerResponse }[] = [];

  const send = async (
    r: ProxiedRequest,
  ): Promise<{ status: number; headers: Headers; body: Uint8Array }> => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    try {
      const res = await fetch(new URL(r.path.slice(1), upstream), {
        method: r.method,
        headers,
        body:
          r.method === 'GET' || r.method === 'HEAD' ? undefined : (r.body as unknown as BodyInit),
        signal: AbortSignal.timeout(30_000),
      });
      return {
        status: res.status,
        headers: res.headers,
        body: new Uint8Array(await res.arrayBuffer()),
      };
    } catch {
      // The upstream is down: answer as a gateway would.
      return { status: 502, headers: new Headers(), body: new Uint8Array(0) };
    }
  };

  const answer = (
    r: ProxiedRequest,
    res: ServerResponse,
    up: Awaited<ReturnType<typeof send>>,
  ): void => {
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k)) out[k] = v;
    });
    out['content-length'] = String(up.body.length);
    r.response = up.body;
    r.location = up.headers.get('location');
    r.status = up.status;
    res.writeHead(up.status, out);
    res.end(up.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.on('error', () => undefined);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const path = req.url ?? '/';
    const r: ProxiedRequest = {
      seq: log.length,
      method: req.method ?? 'GET',
      path,
      resource: resourceOf(path),
      sender: headers['x-pm-test-sender'] ?? '',
      headers,
      body: new Uint8Array(0),
    };
    log.push(r);
    r.body = await readAll(req);
    const action = choose(r);
    r.action = action.kind;
    switch (action.kind) {
      case 'forward':
        return answer(r, res, await send(r));
      case 'fail':
        r.status = action.status;
        res.writeHead(action.status, { 'content-type': 'text/plain' });
        res.end('injected failure');
        return;
      case 'delay':
        await new Promise((w) => setTimeout(w, action.ms));
        return answer(r, res, await send(r));
      case 'slow': {
        const up = await send(r);
        await new Promise((w) => setTimeout(w, action.ms));
        return answer(r, res, up);
      }
      case 'duplicate':
        await send(r);
        return answer(r, res, await send(r));
      case 'hold':
        holding.push({ r, res });
        return;
      case 'drop':
        await send(r);
        if (action.afterUpstream) await action.afterUpstream(r);
        r.status = 0;
        res.socket?.destroy();
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.socket?.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    setPolicy: (p) => (choose = p),
    setTarget: (u) => (upstream = u),
    held: () => holding.map((h) => h.r),
    release: async () => {
      const all = holding.splice(0);
      await Promise.all(all.map(async ({ r, res }) => answer(r, res, await send(r))));
    },
    close: async () => {
      for (const { res } of holding.splice(0)) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
