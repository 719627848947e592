// Shared vitest settings: tests import sibling packages through the "source" export
// condition, so they run against TypeScript sources without a prior tsc build.
import { defineConfig, type UserConfig } from 'vitest/config';

const conditions = ['source', 'import', 'module', 'node', 'default'];

export function sharedConfig(extra: UserConfig = {}): UserConfig {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    ...extra,
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...(extra.test ?? {}),
    },
  });
}

/**
 * The shared settings for packages whose tests load `pg` (the aggregator and what embeds it).
 * vitest hands ssr.resolve.conditions to Node as --conditions flags; with "import" among them,
 * require('pg-pool') inside pg loads pg-pool's ES module build and pg fails to load. So only
 * the conditions Node's require() honours safely are passed ("source" for sibling packages).
 */
export function sharedConfigWithPg(extra: UserConfig = {}): UserConfig {
  const base = sharedConfig(extra);
  const requireSafe = ['source', 'node'];
  return {
    ...base,
    ssr: {
      ...base.ssr,
      resolve: { ...base.ssr?.resolve, conditions: requireSafe, externalConditions: requireSafe },
    },
  };
}
