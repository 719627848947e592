// The commands that scripts outside the repository call (`npx pm-vectors DIR`,
// `npx pm-attribution-e2e DIR`, the aggregator and collector CLIs) resolve on a fresh clone only
// when package-lock.json records each workspace's `bin`: `npm ci` links bins from the lock file,
// not from the workspaces' package.json files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

const rootPackage = json('package.json') as { workspaces: string[] };
const lock = json('package-lock.json') as {
  packages: Record<string, { bin?: Record<string, string> }>;
};

describe('workspace bins', () => {
  const withBins = rootPackage.workspaces.filter(
    (w) => (json(`${w}/package.json`) as { bin?: unknown }).bin !== undefined,
  );

  it('include the stable commands of DESIGN.md', () => {
    expect(withBins).toEqual(
      expect.arrayContaining(['packages/protocol', 'packages/client', 'packages/aggregator']),
    );
  });

  for (const w of withBins) {
    it(`${w}: package-lock.json records the same bins as package.json`, () => {
      const bin = (json(`${w}/package.json`) as { bin: Record<string, string> }).bin;
      const normalise = (b: Record<string, string>) =>
        Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.replace(/^\.\//, '')]));
      expect(lock.packages[w]?.bin).toBeDefined();
      expect(normalise(lock.packages[w].bin!)).toEqual(normalise(bin));
      for (const target of Object.values(bin)) expect(existsSync(join(root, w, target))).toBe(true);
    });
  }
});
