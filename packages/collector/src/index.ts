// Public API of @private-measurement/collector.
export {};
