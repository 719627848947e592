// Demo entry point.
export {};
