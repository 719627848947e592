// Conformance: every official Prio3 vector file (and the L1BoundSum one) replayed operation by
// operation on each backend, the negative `_bad_` files included with their error codes.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVectorFile } from '../src/vdaf/testvec.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../vectors/vdaf');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && !/^(Poplar1|Idpf|Xof)/.test(f))
  .sort();

describe('vector files', () => {
  it('are present', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });
});

for (const backend of ['ts', 'wasm'] as const) {
  describe(`VDAF vectors on ${backend}`, () => {
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
