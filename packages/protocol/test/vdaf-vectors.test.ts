// Conformance: every official Prio3 vector file (and the L1BoundSum and XofTurboShake128 ones)
// replayed operation by operation on each backend, the negative `_bad_` files included with
// their error codes; then the same for the vectors generated with the drafts' reference code
// under other parameters, contexts, share counts and randomness (vectors/vdaf-generated).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVectorFile } from '../src/vdaf/testvec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../vectors');
// The scope: everything but Poplar1, the IDPF and XofFixedKeyAes128.
const inScope = (f: string) => f.endsWith('.json') && !/^(Poplar1|Idpf|XofFixedKeyAes128)/.test(f);

const dirs = [
  { name: 'official', dir: join(root, 'vdaf'), atLeast: 26 },
  { name: 'generated', dir: join(root, 'vdaf-generated'), atLeast: 27 },
];

for (const { name, dir, atLeast } of dirs) {
  const files = readdirSync(dir).filter(inScope).sort();

  describe(`${name} vector files`, () => {
    it('are present, XofTurboShake128 included', () => {
      expect(files.length).toBeGreaterThanOrEqual(atLeast);
      expect(files.some((f) => f.startsWith('XofTurboShake128'))).toBe(true);
    });
  });

  for (const backend of ['ts', 'wasm'] as const) {
    describe(`${name} VDAF vectors on ${backend}`, () => {
      for (const file of files) {
        it(file, () => {
          const r = runVectorFile(file, readFileSync(join(dir, file), 'utf8'), backend);
          expect(r.detail).toMatch(/operations$/);
          expect(r.status).toBe('passed');
          if (file.includes('_bad_')) {
            // Every negative case here fails in verification (decide or joint randomness check).
            expect(r.failureCodes).toEqual(['VERIFY']);
          } else {
            expect(r.failureCodes).toEqual([]);
          }
        });
      }
    });
  }
}
