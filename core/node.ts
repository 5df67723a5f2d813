/**
 * Node-only helpers: reading model folders and PNG files from disk. Kept out
 * of the main entry so browser bundles never pull in `node:fs`.
 */
export { NodeFolderSource } from './models/node-folder-source';
export { decodePng, encodePng, isPng } from './image/png-node';
export { NodeFsCache } from './delivery/node-fs-cache';
export { NodeRepoCache } from './delivery/node-repo-cache';
export { defaultCacheDir, defaultNodeCache, nodeSha256 } from './delivery/node-cache-location';
export type { CacheEnv } from './delivery/node-cache-location';
