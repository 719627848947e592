// One generated test per W3C Attribution end-to-end case committed in vectors/w3c-attribution.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runE2eCase, type E2eConfig } from '../src/index.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'vectors', 'w3c-attribution');
const config = JSON.parse(readFileSync(join(DIR, 'CONFIG.json'), 'utf8')) as E2eConfig;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'CONFIG.json' && f !== 'e2e.schema.json')
  .sort();

describe('W3C Attribution end-to-end cases', () => {
  it('finds the committed cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    it(file, async () => {
      const result = await runE2eCase(JSON.parse(readFileSync(join(DIR, file), 'utf8')), config);
      expect(result.failures).toEqual([]);
      expect(result.passed).toBe(true);
    });
  }
});
