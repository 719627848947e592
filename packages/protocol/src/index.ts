// Public API of @private-measurement/protocol.
export {};
