// Adapts the WHATWG fetch handler to Node's http `(req, res)` listener.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Wraps a fetch handler as a Node request listener.
 *
 * @param handler - the fetch handler.
 * @returns the listener.
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const host = req.headers.host ?? 'localhost';
    const url = new URL(req.url ?? '/', `http://${host}`);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string') headers.set(k, v);
      else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      duplex: 'half',
    } as RequestInit);
    handler(request)
      .then(async (response) => {
        const body = new Uint8Array(await response.arrayBuffer());
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => (out[k] = v));
        out['content-length'] = String(body.length);
        res.writeHead(response.status, out);
        res.end(body);
        // An unread request body (rejected early) must not keep the socket busy.
        if (hasBody && !req.complete) req.resume();
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  };
}
