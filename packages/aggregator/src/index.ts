// Public API of @private-measurement/aggregator.
export {};
