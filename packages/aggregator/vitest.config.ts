import { sharedConfig } from '../../vitest.shared.js';

// vitest hands ssr.resolve.conditions to Node as --conditions flags. With "import" among them,
// require('pg-pool') inside pg loads pg-pool's ES module build and pg fails to load; keep
// only the conditions Node's require() can honour safely ("source" for sibling packages).
const base = sharedConfig();
const conditions = ['source', 'node'];

export default {
  ...base,
  ssr: {
    ...base.ssr,
    resolve: { ...base.ssr?.resolve, conditions, externalConditions: conditions },
  },
};
