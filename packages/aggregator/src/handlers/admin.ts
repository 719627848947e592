// The admin API (bearer-authenticated, off unless an admin token is configured): provision,
// list and remove tasks, list, add and rotate HPKE keys, and run the garbage collector.
import { parseHpkeKeyGraceSeconds, parseTaskSpec } from '../config.js';
import type { AggregatorContext } from '../core/context.js';
import { taskFromSpec, taskToRecord } from '../core/task.js';
import { ConfigError } from '../errors.js';
import { readBody } from '../http/body.js';
import { HttpFailure } from '../http/problem.js';
import { collectGarbage } from '../drivers/gc.js';
import type { HpkeKeyRecord } from '../store/types.js';
import { generateAndStoreKey, rotateHpkeKey } from './hpke-config.js';

/** A key as the admin API shows it: never its private key. */
function keyView(k: HpkeKeyRecord) {
  return {
    configId: k.configId,
    state: k.state,
    createdAt: k.createdAt,
    deleteAfter: k.deleteAfter ?? null,
    config: Buffer.from(k.config).toString('base64url'),
  };
}

/** The JSON object of a request body; an empty body is `{}`. */
async function jsonObject(request: Request, what: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(await readBody(request, 1 << 16));
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof TypeError) {
      throw new HttpFailure(400, `body: expected a JSON ${what}`);
    }
    throw e;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpFailure(400, `body: expected a JSON ${what}`);
  }
  return value as Record<string, unknown>;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * Handles `/admin/...` requests (already authenticated by the router).
 *
 * @param ctx - the aggregator.
 * @param request - the request.
 * @param rest - the path after `/admin`.
 * @returns the JSON response.
 * @throws {HttpFailure} 400 for an invalid task, 404 for unknown routes.
 */
export async function handleAdmin(
  ctx: AggregatorContext,
  request: Request,
  rest: string,
): Promise<Response> {
  if (rest === '/tasks' && request.method === 'GET') {
    const tasks = await ctx.ds.transaction('list-tasks', (tx) => tx.listTasks());
    return json(
      200,
      tasks.map((t) => ({ taskId: Buffer.from(t.taskId).toString('base64url'), role: t.role })),
    );
  }
  if (rest === '/tasks' && request.method === 'POST') {
    let spec;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(
        await readBody(request, 1 << 20),
      );
      spec = parseTaskSpec(JSON.parse(text));
      await putTask(ctx, spec);
    } catch (e) {
      if (e instanceof ConfigError || e instanceof SyntaxError || e instanceof TypeError) {
        throw new HttpFailure(
          400,
          e instanceof ConfigError ? e.message : 'body: expected a JSON task specification',
        );
      }
      throw e;
    }
    return json(201, { taskId: spec.taskId, role: spec.role });
  }
  const del = /^\/tasks\/([A-Za-z0-9_-]{43})$/.exec(rest);
  if (del && request.method === 'DELETE') {
    const id = new Uint8Array(Buffer.from(del[1], 'base64url'));
    const removed = await ctx.ds.transaction('delete-task', (tx) => tx.deleteTask(id));
    ctx.invalidateTasks();
    if (!removed) throw new HttpFailure(404, 'task: unknown ID');
    return new Response(null, { status: 204 });
  }
  if (rest === '/hpke_keys' && request.method === 'GET') {
    const keys = await ctx.ds.transaction('list-keys', (tx) => tx.listHpkeKeys());
    return json(200, keys.map(keyView));
  }
  if (rest === '/hpke_keys/rotate' && request.method === 'POST') {
    const body = await jsonObject(request, 'object { graceSeconds? }');
    const unknown = Object.keys(body).find((k) => k !== 'graceSeconds');
    if (unknown !== undefined) throw new HttpFailure(400, `body.${unknown}: unknown field`);
    let grace: number;
    try {
      grace =
        body.graceSeconds === undefined
          ? ctx.settings.hpkeKeyGraceSeconds
          : parseHpkeKeyGraceSeconds(body.graceSeconds, 'body.graceSeconds');
    } catch (e) {
      if (e instanceof ConfigError) throw new HttpFailure(400, e.message);
      throw e;
    }
    const rotation = await rotateHpkeKey(ctx.ds, ctx.now(), grace);
    ctx.invalidateKeys();
    ctx.log.info(
      { configId: rotation.created.configId, retired: rotation.retired },
      'hpke key rotated',
    );
    return json(201, {
      created: keyView(rotation.created),
      retired: rotation.retired,
      deleteAfter: rotation.deleteAfter,
    });
  }
  if (rest === '/gc' && request.method === 'POST') {
    const result = await collectGarbage(ctx);
    return json(200, result);
  }
  if (rest === '/hpke_keys' && request.method === 'POST') {
    const record = await generateAndStoreKey(ctx.ds, ctx.now());
    ctx.invalidateKeys();
    return json(201, {
      configId: record.configId,
      config: Buffer.from(record.config).toString('base64url'),
    });
  }
  throw new HttpFailure(404, 'admin: unknown resource');
}

/**
 * Validates and stores a task (replacing one with the same ID).
 *
 * @throws {ConfigError} when the protocol package rejects its parameters.
 */
export async function putTask(
  ctx: AggregatorContext,
  spec: ReturnType<typeof parseTaskSpec>,
): Promise<void> {
  const task = taskFromSpec(spec);
  await ctx.ds.transaction('put-task', (tx) => tx.putTask(taskToRecord(task)));
  ctx.invalidateTasks();
}
