// Benchmark runner entry point.
export {};
