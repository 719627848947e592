// Public names of the dap module: DAP-18 messages and their codecs, task configuration, HPKE
// with the DAP-18 info and AAD strings, report sealing and opening, problem types, media types
// and resource paths.
export * from './basic.js';
export * from './hpke-config.js';
export * from './vdaf-config.js';
export * from './task-config.js';
export * from './batch-mode.js';
export * from './report.js';
export * from './aggregation.js';
export * from './collection.js';
export * from './http.js';
export * from './problems.js';
export * from './time.js';
export { Reader, Writer, encodeWith, decodeWith, restCodec, type Codec } from '../codec.js';
export type { HpkeErrorCode } from '../errors.js';
export * from '../vdaf/ping-pong-message.js';
export * from './hpke.js';
export * from './seal.js';
export * from './vdaf-from-config.js';
export * from './checksum.js';
