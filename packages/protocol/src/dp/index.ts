// Public names of the dp module.
export {};
