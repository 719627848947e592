// Public API of @private-measurement/protocol: Prio3 VDAF, DAP-18 messages and HPKE, and DP
// calibration, shared by every role.
export { DecodeError, DpError, HpkeError, ParamError, ProtocolError, VerifyError } from './errors.js';
export * from './vdaf/index.js';
export * from './dap/index.js';
export * from './dp/index.js';
