// Node-only entry point of @private-measurement/client: the file store.
export { FileStore } from './store/file.js';
