// Bundles the benchmark runner and every suite under src/suites/ with esbuild, resolving the
// workspace packages to their TypeScript sources, so a bench run needs no tsc build and is not
// stopped by type errors elsewhere. Writes dist/cli.js, dist/memory-child.js (the process that
// measures one memory case), dist/load/aggregator-process.js and dist/load/seal-worker.js (an
// aggregator process and a report-sealing thread of the load run), dist/suites/<name>.js and
// the suite registry dist/suites.json, generated from the directory listing at bundle time.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(benchDir, 'src');
const suitesDir = join(srcDir, 'suites');
const distDir = join(benchDir, 'dist');
const wasmDir = join(benchDir, '..', 'packages', 'core-wasm');

/** Newest modification time of any file under `dir`, 0 when it does not exist. */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

// The WASM kernels are embedded in core-wasm's generated sources: build them when they are
// missing or older than the AssemblyScript they come from.
function ensureWasm() {
  const generated = join(wasmDir, 'src', 'internal', 'generated', 'index.ts');
  const genTime = existsSync(generated) ? statSync(generated).mtimeMs : 0;
  if (genTime > 0 && genTime >= newestMtime(join(wasmDir, 'assembly'))) return;
  console.error('bench: building the core-wasm WASM modules');
  execFileSync(process.execPath, [join(wasmDir, 'scripts', 'build-wasm.mjs')], {
    stdio: 'inherit',
  });
}

/** Suite source files: every `.ts` module in src/suites/ except declarations and `_` files. */
function listSuites() {
  if (!existsSync(suitesDir)) return [];
  return readdirSync(suitesDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .filter((f) => !f.startsWith('_') && !f.startsWith('.'))
    .sort();
}

// Workspace packages are bundled from source; every other bare import (npm packages with
// native code or CommonJS internals) stays external and is loaded by node at run time.
const externalNpm = {
  name: 'external-npm',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@private-measurement/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

function options(entries) {
  return {
    entryPoints: entries,
    outdir: distDir,
    outbase: srcDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    sourcemap: 'linked',
    logLevel: 'silent',
    plugins: [externalNpm],
  };
}

async function tryBuild(entries) {
  try {
    await esbuild.build(options(entries));
    return null;
  } catch (e) {
    const errors = e.errors ?? [{ text: String(e) }];
    return errors.map(
      (m) => (m.location ? `${m.location.file}:${m.location.line}: ` : '') + m.text,
    );
  }
}

ensureWasm();
rmSync(distDir, { recursive: true, force: true });
mkdirSync(distDir, { recursive: true });

const cli = join(srcDir, 'cli.ts');
const child = join(srcDir, 'memory-child.ts');
const loadChild = join(srcDir, 'load', 'aggregator-process.ts');
const sealWorker = join(srcDir, 'load', 'seal-worker.ts');
const files = listSuites();
const broken = {};
let good = files;
let errors = await tryBuild([
  cli,
  child,
  loadChild,
  sealWorker,
  ...good.map((f) => join(suitesDir, f)),
]);
if (errors !== null) {
  // One suite that does not bundle must not stop the others: find the culprits one by one.
  const cliErrors = await tryBuild([cli, child, loadChild, sealWorker]);
  if (cliErrors !== null) {
    console.error(`bench: the runner does not bundle:\n  ${cliErrors.join('\n  ')}`);
    process.exit(1);
  }
  good = [];
  for (const f of files) {
    rmSync(distDir, { recursive: true, force: true });
    const e = await tryBuild([join(suitesDir, f)]);
    if (e === null) good.push(f);
    else broken[basename(f, '.ts')] = e;
  }
  rmSync(distDir, { recursive: true, force: true });
  errors = await tryBuild([
    cli,
    child,
    loadChild,
    sealWorker,
    ...good.map((f) => join(suitesDir, f)),
  ]);
  if (errors !== null) {
    console.error(`bench: bundling failed:\n  ${errors.join('\n  ')}`);
    process.exit(1);
  }
}
for (const [name, e] of Object.entries(broken)) {
  console.error(`bench: suite ${name} does not bundle and is left out:\n  ${e.join('\n  ')}`);
}

const registry = {
  suites: good.map((f) => ({
    file: basename(f, '.ts'),
    module: `./suites/${basename(f, '.ts')}.js`,
  })),
  broken: Object.entries(broken).map(([file, errs]) => ({ file, errors: errs })),
};
writeFileSync(join(distDir, 'suites.json'), JSON.stringify(registry, null, 2) + '\n');
console.error(
  `bench: bundled ${good.length} suite(s): ${good.map((f) => basename(f, '.ts')).join(', ') || 'none'}`,
);
