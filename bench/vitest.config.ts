// Vitest settings of the bench package: the shared ones (sibling packages from their sources),
// with Node's --conditions limited as in the aggregator package: with "import" among them,
// require('pg-pool') inside pg loads pg-pool's ES module build and pg fails to load.
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
