// Stand-in for hpke-node.ts in browser bundles (package.json "browser" map): no node:crypto, so
// the Node backend of HPKE reports itself unavailable and the WebCrypto or pure-JS one is used.
import type { CipherSuite } from '@hpke/core';
import { HpkeError } from '../errors.js';

/**
 * Always fails: this build has no node:crypto primitives.
 *
 * @returns never
 * @throws {HpkeError} `HPKE_UNSUPPORTED_SUITE`, always
 * @example createNodeHpkeSuite() // throws in a browser bundle
 */
export function createNodeHpkeSuite(): CipherSuite {
  throw new HpkeError(
    'hpke backend: expected the node primitives, received a browser build without them',
    'HPKE_UNSUPPORTED_SUITE',
  );
}
