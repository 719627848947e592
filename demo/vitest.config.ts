// Vitest settings of the demo: sibling packages from their sources ("source" condition). The
// demo loads the aggregator and with it pg, whose require('pg-pool') must not see the "import"
// condition (it would load pg-pool's ES module build), so only "source" and "node" are passed.
import { sharedConfig } from '../vitest.shared.js';

const base = sharedConfig();
const conditions = ['source', 'node'];

export default {
  ...base,
  ssr: {
    ...base.ssr,
    resolve: { ...base.ssr?.resolve, conditions, externalConditions: conditions },
  },
};
