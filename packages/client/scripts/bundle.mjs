// Browser bundle of @private-measurement/client: one ES module with the protocol and kernel
// packages inlined (WASM included as bytes), minified, at dist/browser/attribution.js. Also
// copies the repository's W3C end-to-end CONFIG.json into dist/ for pm-attribution-e2e.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/browser/attribution.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
process.stdout.write(`dist/browser/attribution.js: ${(bytes / 1024).toFixed(1)} KiB\n`);

// pm-attribution-e2e falls back to this copy when it runs outside the repository.
const config = fileURLToPath(
  new URL('../../../vectors/w3c-attribution/CONFIG.json', import.meta.url),
);
if (existsSync(config)) {
  mkdirSync(`${root}/dist/vectors`, { recursive: true });
  copyFileSync(config, `${root}/dist/vectors/CONFIG.json`);
}
