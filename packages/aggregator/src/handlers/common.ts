// Helpers shared by the resource handlers: the request shape the router hands over, task lookup
// with the role check, and DAP response builders.
import { base64UrlEncode, ResourcePath } from '@private-measurement/protocol';
import type { AggregatorContext } from '../core/context.js';
import type { Task } from '../core/task.js';
import { DapAbort } from '../http/problem.js';

/** A routed request: the raw request plus what the router parsed from its path. */
export interface Routed {
  request: Request;
  taskId: Uint8Array;
  /** The job, collection job or aggregate share ID of resource URLs. */
  resourceId?: Uint8Array;
  url: URL;
}

/**
 * Loads the task a request names, requiring this aggregator's role in it.
 *
 * @throws {DapAbort} `unrecognizedTask` when unknown here or not served in this role.
 */
export async function requireTask(
  ctx: AggregatorContext,
  taskId: Uint8Array,
  role: 'leader' | 'helper',
): Promise<Task> {
  const task = await ctx.task(taskId);
  // draft-ietf-ppm-dap-18 §4.4.2.2, §4.5.3.2, §4.6.1: an unknown task is unrecognizedTask.
  if (task === undefined || task.role !== role) {
    throw new DapAbort('unrecognizedTask', `task is not served as ${role}`, taskId);
  }
  return task;
}

/**
 * A DAP message response.
 *
 * @param body - the encoded message.
 * @param mediaType - its media type.
 * @param headers - extra headers.
 * @returns the response (status 200).
 */
export function dapResponse(
  body: Uint8Array,
  mediaType: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(body as unknown as BodyInit, {
    status: 200,
    headers: { 'content-type': mediaType, ...headers },
  });
}

/**
 * The path of a resource under this aggregator's prefix, for Location headers.
 *
 * @returns e.g. `/dap/tasks/<id>/aggregation_jobs/<job>`.
 */
export function locationOf(ctx: AggregatorContext, path: string): string {
  const prefix = ctx.settings.pathPrefix.replace(/\/+$/, '');
  return prefix + path;
}

export { ResourcePath, base64UrlEncode };
