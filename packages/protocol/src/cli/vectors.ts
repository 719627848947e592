// `pm-vectors DIR`: runs every VDAF test-vector JSON file in DIR through both backends and prints
// one line per file and a last line `N passed, M failed`; exits 1 on any failure, 2 on misuse.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendKind } from '@private-measurement/core-wasm';
import { runVectorDir } from '../vdaf/testvec.js';

const USAGE = `usage: pm-vectors [--backend both|wasm|ts] DIR

Runs every *.json VDAF test vector in DIR (official draft-irtf-cfrg-vdaf-20 schema; the VDAF
is named by the file name prefix, e.g. Prio3Histogram_0.json; XofTurboShake128 files are checked
too). Files of VDAFs this package does not implement (Poplar1, IDPF, XofFixedKeyAes128, unknown
names) are listed as SKIP and counted neither as passed nor as failed.`;

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        backend: { type: 'string', default: 'both' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const b = parsed.values.backend;
  if (parsed.positionals.length !== 1 || (b !== 'both' && b !== 'wasm' && b !== 'ts')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const dir = parsed.positionals[0];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith('.json') && statSync(join(dir, f)).isFile())
      .sort();
  } catch (e) {
    process.stderr.write(`pm-vectors: cannot read directory ${dir}: ${(e as Error).message}\n`);
    return 2;
  }
  const backends: BackendKind[] = b === 'both' ? ['wasm', 'ts'] : [b];
  const { failed } = runVectorDir(dir, names, backends, (line) =>
    process.stdout.write(`${line}\n`),
  );
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
