// Vitest settings: the shared ones for packages whose tests load pg (see vitest.shared.ts).
import { sharedConfigWithPg } from '../vitest.shared.js';

export default sharedConfigWithPg();
