// Browser bundle of @private-measurement/client: one ES module with the protocol and kernel
// packages inlined (WASM included as bytes), minified, at dist/browser/attribution.js. Prints
// its size raw and gzipped (level 9). Also copies the repository's W3C end-to-end CONFIG.json
// into dist/ for pm-attribution-e2e.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { browserBundleOptions, packageRoot } from './browser-bundle-options.mjs';

const outfile = 'dist/browser/attribution.js';
await build({ ...browserBundleOptions(outfile), sourcemap: true });

const bytes = readFileSync(`${packageRoot}/${outfile}`);
const gzipped = gzipSync(bytes, { level: 9 }).length;
process.stdout.write(`${outfile}: ${bytes.length} bytes, ${gzipped} bytes gzipped (level 9)\n`);

// pm-attribution-e2e falls back to this copy when it runs outside the repository.
const config = fileURLToPath(
  new URL('../../../vectors/w3c-attribution/CONFIG.json', import.meta.url),
);
if (existsSync(config)) {
  mkdirSync(`${packageRoot}/dist/vectors`, { recursive: true });
  copyFileSync(config, `${packageRoot}/dist/vectors/CONFIG.json`);
}
