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
