// Routing of DAP resources (draft-ietf-ppm-dap-18 Appendix A) plus health, metrics and admin
// under the configured path prefix, with per-task bearer authentication of the peer and the
// Collector, and the edge mapping of every failure to a problem document.
import { base64UrlDecode } from '@private-measurement/protocol';
import type { AggregatorContext } from '../core/context.js';
import { handleAdmin } from '../handlers/admin.js';
import {
  handleAggregateShareCreate,
  handleAggregateShareDelete,
  handleAggregateShareGet,
} from '../handlers/aggregate-shares.js';
import {
  handleAggregationJobContinue,
  handleAggregationJobDelete,
  handleAggregationJobGet,
  handleAggregationJobInit,
} from '../handlers/aggregation-jobs.js';
import {
  handleCollectionJobCreate,
  handleCollectionJobDelete,
  handleCollectionJobGet,
} from '../handlers/collection-jobs.js';
import { requireTask, type Routed } from '../handlers/common.js';
import { handleHpkeConfig } from '../handlers/hpke-config.js';
import { handleUpload } from '../handlers/upload.js';
import { requireBearer } from './auth.js';
import { DapAbort, errorToResponse, HttpFailure } from './problem.js';

type Handler = (ctx: AggregatorContext, r: Routed) => Promise<Response>;

/** Who must authenticate to a task resource. */
type Auth = 'none' | 'peer' | 'collector';

interface TaskRoute {
  name: string;
  role: 'leader' | 'helper';
  auth: Auth;
  methods: Partial<Record<string, Handler>>;
}

const TASK_ROUTES: Record<string, { collection: TaskRoute; item?: TaskRoute }> = {
  reports: {
    collection: { name: 'reports', role: 'leader', auth: 'none', methods: { POST: handleUpload } },
  },
  aggregation_jobs: {
    collection: {
      name: 'aggregation_jobs',
      role: 'helper',
      auth: 'peer',
      methods: { POST: handleAggregationJobInit },
    },
    item: {
      name: 'aggregation_job',
      role: 'helper',
      auth: 'peer',
      methods: {
        GET: handleAggregationJobGet,
        POST: handleAggregationJobContinue,
        DELETE: handleAggregationJobDelete,
      },
    },
  },
  collection_jobs: {
    collection: {
      name: 'collection_jobs',
      role: 'leader',
      auth: 'collector',
      methods: { POST: handleCollectionJobCreate },
    },
    item: {
      name: 'collection_job',
      role: 'leader',
      auth: 'collector',
      methods: { GET: handleCollectionJobGet, DELETE: handleCollectionJobDelete },
    },
  },
  aggregate_shares: {
    collection: {
      name: 'aggregate_shares',
      role: 'helper',
      auth: 'peer',
      methods: { POST: handleAggregateShareCreate },
    },
    item: {
      name: 'aggregate_share',
      role: 'helper',
      auth: 'peer',
      methods: { GET: handleAggregateShareGet, DELETE: handleAggregateShareDelete },
    },
  },
};

function decodeId(text: string, length: number): Uint8Array | undefined {
  try {
    return base64UrlDecode(text, length);
  } catch {
    return undefined;
  }
}

async function route(
  ctx: AggregatorContext,
  request: Request,
  url: URL,
  path: string,
  meta: { name: string },
): Promise<{ name: string; response: Response; taskId?: Uint8Array }> {
  if (path === '/hpke_config') {
    if (request.method !== 'GET') throw new HttpFailure(405, 'hpke_config: expected GET');
    return { name: 'hpke_config', response: await handleHpkeConfig(ctx) };
  }
  if (path === '/healthz') {
    await ctx.ds.schemaVersion();
    return {
      name: 'healthz',
      response: new Response('ok\n', { status: 200, headers: { 'content-type': 'text/plain' } }),
    };
  }
  if (path === '/metrics') {
    const body = await ctx.metrics.registry.metrics();
    return {
      name: 'metrics',
      response: new Response(body, {
        headers: { 'content-type': ctx.metrics.registry.contentType },
      }),
    };
  }
  if (path === '/admin' || path.startsWith('/admin/')) {
    if (ctx.settings.adminToken === undefined) throw new HttpFailure(404, 'admin: not enabled');
    requireBearer(request.headers, [ctx.settings.adminToken]);
    return {
      name: 'admin',
      response: await handleAdmin(ctx, request, path.slice('/admin'.length)),
    };
  }

  const m = /^\/tasks\/([^/]+)\/([a-z_]+)(?:\/([^/]+))?$/.exec(path);
  const entry = m ? TASK_ROUTES[m[2]] : undefined;
  if (!m || !entry) throw new HttpFailure(404, 'path: no such resource');
  const spec = m[3] === undefined ? entry.collection : entry.item;
  if (spec === undefined) throw new HttpFailure(404, 'path: no such resource');
  const handler = spec.methods[request.method];
  meta.name = spec.name;
  if (handler === undefined) throw new HttpFailure(405, `${spec.name}: method not allowed`);

  const taskId = decodeId(m[1], 32);
  if (taskId === undefined)
    throw new DapAbort('unrecognizedTask', 'task ID: expected 32 bytes of base64url');
  const task = await requireTask(ctx, taskId, spec.role);
  // draft-ietf-ppm-dap-18 §3.5: the Leader authenticates to the Helper, the Collector to the Leader.
  if (spec.auth === 'peer') requireBearer(request.headers, [task.spec.aggregatorAuthToken]);
  if (spec.auth === 'collector')
    requireBearer(request.headers, [task.spec.collectorAuthToken ?? '']);
  let resourceId: Uint8Array | undefined;
  if (m[3] !== undefined) {
    resourceId = decodeId(m[3], 16);
    if (resourceId === undefined) {
      if (spec.name === 'aggregation_job')
        throw new DapAbort(
          'unrecognizedAggregationJob',
          'job ID: expected 16 bytes of base64url',
          taskId,
        );
      throw new HttpFailure(404, `${spec.name}: expected a 16-byte base64url ID`);
    }
  }
  const response = await handler(ctx, { request, taskId, resourceId, url });
  return { name: spec.name, response, taskId };
}

/**
 * Serves one request: routes it, and turns any failure into its problem document.
 *
 * @param ctx - the aggregator.
 * @param request - the request.
 * @returns the response; never throws.
 */
export async function serve(ctx: AggregatorContext, request: Request): Promise<Response> {
  const started = performance.now();
  const meta = { name: 'unknown' };
  let response: Response;
  let taskId: Uint8Array | undefined;
  try {
    const url = new URL(request.url);
    const prefix = ctx.settings.pathPrefix.replace(/\/+$/, '');
    if (!url.pathname.startsWith(prefix + '/'))
      throw new HttpFailure(404, 'path: outside the API prefix');
    const routed = await route(ctx, request, url, url.pathname.slice(prefix.length), meta);
    meta.name = routed.name;
    response = routed.response;
  } catch (e) {
    const match = /\/tasks\/([A-Za-z0-9_-]{43})\//.exec(request.url);
    taskId = match ? decodeId(match[1], 32) : undefined;
    const outcome = errorToResponse(e, taskId);
    response = outcome.response;
    ctx.metrics.problems.inc({ label: outcome.label });
    if (outcome.internal) {
      ctx.log.error({ err: e, route: meta.name, method: request.method }, 'request failed');
    } else {
      ctx.log.info(
        { route: meta.name, method: request.method, problem: outcome.label, task: match?.[1] },
        'request rejected',
      );
    }
  }
  ctx.metrics.httpRequests.inc({ route: meta.name, status: String(response.status) });
  ctx.metrics.httpDuration.observe({ route: meta.name }, (performance.now() - started) / 1000);
  return response;
}
