// The aggregator HPKE configuration on the client side: checking a provisioned one, and fetching
// `{aggregator}/hpke_config` when, and only when, the caller asks (draft-ietf-ppm-dap-18 §4.4.1).

import {
  ResourcePath,
  dapMessageOf,
  decodeHpkeConfig,
  decodeHpkeConfigList,
  isSupportedHpkeConfig,
  resourceUrl,
  selectHpkeConfig,
  type HpkeConfig,
} from '@private-measurement/protocol';

import { ConfigError, UploadError } from '../errors.js';

/**
 * Check a provisioned HPKE configuration, given decoded or encoded.
 *
 * @param value - an HpkeConfig or its encoding
 * @param name - what it is, for the message
 * @returns the decoded configuration
 * @throws {ConfigError} when it does not decode or uses a suite this client cannot seal to
 */
export function checkHpkeConfig(value: unknown, name: string): HpkeConfig {
  let config: HpkeConfig;
  if (value instanceof Uint8Array) {
    try {
      config = decodeHpkeConfig(value);
    } catch {
      throw new ConfigError(`${name}: expected an encoded HpkeConfig`);
    }
  } else {
    const c = value as Partial<HpkeConfig> | null;
    if (
      typeof c !== 'object' ||
      c === null ||
      !Number.isInteger(c.id) ||
      c.id! < 0 ||
      c.id! > 255 ||
      !(c.publicKey instanceof Uint8Array)
    ) {
      throw new ConfigError(`${name}: expected an HpkeConfig`);
    }
    config = c as HpkeConfig;
  }
  // draft-ietf-ppm-dap-18 §4.4.1: the Client needs a supported KEM, KDF and AEAD triple;
  // X25519 public keys are 32 bytes (RFC 9180 §7.1).
  if (!isSupportedHpkeConfig(config) || config.publicKey.length !== 32) {
    throw new ConfigError(`${name}: expected DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM`);
  }
  return config;
}

/**
 * Fetch an aggregator's HPKE configuration list and pick its preferred supported configuration
 * (draft-ietf-ppm-dap-18 §4.4.1). Call it only where the deployment allows fetching keys; the
 * Attribution API never does.
 *
 * @param aggregatorUrl - the aggregator's API URL, as configured
 * @param fetchFn - HTTP client; `globalThis.fetch` by default
 * @returns the chosen configuration
 * @throws {ConfigError} when the URL is not an http(s) URL
 * @throws {UploadError} when the request fails, the answer is not an HpkeConfigList, the list
 *   is empty, or none of its configurations is supported
 * @example
 * const leaderHpkeConfig = await fetchHpkeConfig('https://leader.example/dap/');
 */
export async function fetchHpkeConfig(
  aggregatorUrl: string,
  fetchFn: typeof fetch = globalThis.fetch,
): Promise<HpkeConfig> {
  if (typeof aggregatorUrl !== 'string' || !URL.canParse(aggregatorUrl)) {
    throw new ConfigError('aggregator url: expected an absolute URL');
  }
  if (!/^https?:$/.test(new URL(aggregatorUrl).protocol)) {
    throw new ConfigError('aggregator url: expected http or https');
  }
  if (typeof fetchFn !== 'function') throw new ConfigError('fetch: expected a function');

  let response: Response;
  try {
    response = await fetchFn(resourceUrl(aggregatorUrl, ResourcePath.hpkeConfig()), {
      method: 'GET',
    });
  } catch (error) {
    throw new UploadError(`hpke_config: request failed (${(error as Error)?.name ?? 'error'})`, 0);
  }
  if (!response.ok) {
    throw new UploadError(`hpke_config: aggregator answered ${response.status}`, response.status);
  }

  // draft-ietf-ppm-dap-18 §4.4.1: abort on an invalid or empty list, or no supported config.
  if (dapMessageOf(response.headers.get('content-type')) !== 'hpke-config-list') {
    throw new UploadError('hpke_config: expected an hpke-config-list body', response.status);
  }
  let list: HpkeConfig[];
  try {
    list = decodeHpkeConfigList(new Uint8Array(await response.arrayBuffer()));
  } catch {
    throw new UploadError('hpke_config: body is not an HpkeConfigList', response.status);
  }
  let chosen: HpkeConfig;
  try {
    chosen = selectHpkeConfig(list.filter((c) => c.publicKey.length === 32));
  } catch {
    throw new UploadError('hpke_config: no supported configuration', response.status);
  }
  return chosen;
}
