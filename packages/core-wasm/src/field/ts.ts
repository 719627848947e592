// Placeholder until the pure-TS field twin lands.
import type { FieldPair } from '../backend.js';
import { BackendError } from '../errors.js';
const missing = new Proxy({}, { get() { throw new BackendError('field twin not built'); } });
export const tsFields = { Field64: missing, Field128: missing } as unknown as FieldPair;
