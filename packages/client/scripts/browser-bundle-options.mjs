// The esbuild options of the browser bundle of @private-measurement/client, shared by
// scripts/bundle.mjs (which writes dist/browser/attribution.js) and the tests that load the
// bundle in Node and in headless Chromium: one ES module, the protocol and kernel packages
// inlined from their TypeScript sources (WASM included as base64), minified.
import { fileURLToPath } from 'node:url';

/** The package directory. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * esbuild options for the browser bundle.
 *
 * @param {string} outfile - where to write the bundle
 * @returns {import('esbuild').BuildOptions}
 */
export function browserBundleOptions(outfile) {
  return {
    absWorkingDir: packageRoot,
    entryPoints: ['src/index.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    minify: true,
    metafile: true,
    logLevel: 'warning',
  };
}
