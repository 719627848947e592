// Public names of the dap module.
export {};
