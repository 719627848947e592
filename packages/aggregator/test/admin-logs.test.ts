// The admin API (provisioning, key rotation, authentication) and the logs: fixed messages, IDs
// as fields, and no secret ever written.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  decodeHpkeConfigList,
  encodeHpkeConfig,
  generateHpkeKeypair,
  MediaType,
} from '@private-measurement/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../src/aggregator.js';
import { REDACT_PATHS } from '../src/core/observability.js';

const ADMIN = 'admin-token-0123456789abcdef';

async function spec(role: 'leader' | 'helper') {
  const collector = await generateHpkeKeypair(3);
  return {
    taskId: randomBytes(32).toString('base64url'),
    role,
    leaderEndpoint: 'http://127.0.0.1:9/',
    helperEndpoint: 'http://127.0.0.1:10/',
    taskInfo: 'admin',
    timePrecision: 60,
    minBatchSize: 1,
    batchMode: 'time_interval' as const,
    vdaf: { type: 'Prio3Count' as const },
    vdafVerifyKey: randomBytes(32).toString('base64url'),
    collectorHpkeConfig: Buffer.from(encodeHpkeConfig(collector.config)).toString('base64url'),
    aggregatorAuthToken: 'secret-peer-token-' + randomBytes(8).toString('hex'),
    ...(role === 'leader'
      ? { collectorAuthToken: 'secret-collector-token-' + randomBytes(8).toString('hex') }
      : {}),
    dp: { mechanism: 'discrete-laplace' as const, epsilon: 1 },
  };
}

function capture(): { logger: pino.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return {
    logger: pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream),
    text: () => out,
  };
}

const req = (path: string, init: RequestInit = {}) => new Request(`http://agg.test${path}`, init);

describe('admin API', () => {
  it('is off without a token, and authenticates with one', async () => {
    const off = await createAggregator({
      store: 'sqlite::memory:',
      logger: pino({ level: 'silent' }),
    });
    expect((await off.fetch(req('/admin/tasks'))).status).toBe(404);
    await off.close();

    const agg = await createAggregator({
      store: 'sqlite::memory:',
      adminToken: ADMIN,
      logger: pino({ level: 'silent' }),
    });
    try {
      expect((await agg.fetch(req('/admin/tasks'))).status).toBe(401);
      expect(
        (
          await agg.fetch(
            req('/admin/tasks', { headers: { authorization: 'Bearer nope-nope-nope-nope' } }),
          )
        ).status,
      ).toBe(403);
      const auth = { authorization: `Bearer ${ADMIN}` };
      const s = await spec('leader');
      const created = await agg.fetch(
        req('/admin/tasks', { method: 'POST', headers: auth, body: JSON.stringify(s) }),
      );
      expect(created.status).toBe(201);
      const listed = (await (
        await agg.fetch(req('/admin/tasks', { headers: auth }))
      ).json()) as unknown[];
      expect(listed).toEqual([{ taskId: s.taskId, role: 'leader' }]);
      // The provisioned task serves uploads at once (an empty upload is valid).
      const up = await agg.fetch(
        req(`/tasks/${s.taskId}/reports`, {
          method: 'POST',
          headers: { 'content-type': MediaType.uploadReq },
          body: new Uint8Array(0),
        }),
      );
      expect(up.status).toBe(200);

      const invalid = await agg.fetch(
        req('/admin/tasks', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ ...s, minBatchSize: 0 }),
        }),
      );
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { detail: string }).detail).toMatch(
        /^task\.minBatchSize: expected an integer/,
      );
      const notJson = await agg.fetch(
        req('/admin/tasks', { method: 'POST', headers: auth, body: '{' }),
      );
      expect(notJson.status).toBe(400);

      const key = await agg.fetch(req('/admin/hpke_keys', { method: 'POST', headers: auth }));
      expect(key.status).toBe(201);
      const configs = decodeHpkeConfigList(
        new Uint8Array(await (await agg.fetch(req('/hpke_config'))).arrayBuffer()),
      );
      expect(configs).toHaveLength(2);

      expect(
        (await agg.fetch(req(`/admin/tasks/${s.taskId}`, { method: 'DELETE', headers: auth })))
          .status,
      ).toBe(204);
      expect(
        (await agg.fetch(req(`/admin/tasks/${s.taskId}`, { method: 'DELETE', headers: auth })))
          .status,
      ).toBe(404);
    } finally {
      await agg.close();
    }
  });
});

describe('logs', () => {
  it('carry IDs as fields and never a token or key', async () => {
    const { logger, text } = capture();
    const s = await spec('helper');
    const agg = await createAggregator({
      store: 'sqlite::memory:',
      tasks: [s],
      logger,
      adminToken: ADMIN,
    });
    try {
      await agg.fetch(
        req(`/tasks/${s.taskId}/aggregation_jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.aggregatorAuthToken}x` },
        }),
      );
      await agg.fetch(
        req(`/tasks/${s.taskId}/aggregation_jobs`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${s.aggregatorAuthToken}`,
            'content-type': MediaType.aggregationJobInitReq,
          },
          body: new Uint8Array([1, 2, 3]),
        }),
      );
      await agg.fetch(
        req('/admin/tasks', {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}` },
          body: JSON.stringify(s),
        }),
      );
      logger.info({ spec: s }, 'spec dump');
    } finally {
      await agg.close();
    }
    const logs = text();
    expect(logs).toContain('"msg":"request rejected"');
    expect(logs).toContain(`"task":"${s.taskId}"`);
    expect(logs).toContain('"problem":"dap:invalidMessage"');
    for (const secret of [s.aggregatorAuthToken, s.vdafVerifyKey, ADMIN])
      expect(logs).not.toContain(secret);
  });
});
