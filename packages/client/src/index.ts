// Public API of @private-measurement/client.
export {};
