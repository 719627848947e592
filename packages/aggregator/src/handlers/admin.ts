// The admin API (bearer-authenticated, off unless an admin token is configured): provision,
// list and remove tasks, and rotate HPKE keys.
import { parseTaskSpec } from '../config.js';
import type { AggregatorContext } from '../core/context.js';
import { taskFromSpec, taskToRecord } from '../core/task.js';
import { ConfigError } from '../errors.js';
import { readBody } from '../http/body.js';
import { HttpFailure } from '../http/problem.js';
import { generateAndStoreKey } from './hpke-config.js';

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
