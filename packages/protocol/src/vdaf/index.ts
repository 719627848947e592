// Public names of the vdaf module.
export {};
