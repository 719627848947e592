// Vitest settings of the bench package: the shared ones (sibling packages from their sources).
import { sharedConfig } from '../vitest.shared.js';

export default sharedConfig();
