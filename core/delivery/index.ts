/**
 * Model delivery: presets, downloads with progress and resume, integrity
 * checks, and a chunked cache (IndexedDB in browsers) that holds multi-GB
 * models and loads them offline.
 *
 * Start with {@link loadModel} (or {@link openModelSource} for a
 * `RepoSource`). The pieces are exported for apps that need them: a model
 * manager UI ({@link listCachedModels}, ...), a custom {@link ModelCache},
 * or a download without loading ({@link downloadModel}).
 *
 * Browser-safe. The Node folder cache lives in `./node-fs-cache` and is
 * deliberately not re-exported here, so browser bundles never pull in `node:fs`.
 */
export { loadModel, openModelSource, defaultModelCache } from './load';
export type { ModelInput, OpenModelOptions } from './load';
export { downloadModel } from './downloader';
export type { DownloadOptions, DownloadResult, FetchLike, Hasher } from './downloader';
export type { DownloadProgress, DownloadProgressCallback, DownloadStatus } from './progress';
export { discoverManifest } from './discover';
export { checkManifest, fileUrl, manifestBytes, resolveManifestUrls, revisionFromUrl } from './manifest';
export type { ManifestFile, ManifestKind, ModelManifest } from './manifest';
export { EDITING_PRESETS, PRESETS, findPreset, isLocalPreset, presetManifest, presetOptions } from './presets';
export type { ModelPreset, PresetOption } from './presets';
export { DEFAULT_CHUNK_SIZE, chunkCount, isQuotaExceeded, recordIsComplete } from './cache';
export type { CachedFile, ChunkRef, ModelCache, ModelRecord, StorageEstimateLike } from './cache';
export { IndexedDbCache } from './idb-cache';
export type { IndexedDbCacheOptions } from './idb-cache';
export { MemoryCache } from './memory-cache';
export { CachedSource, checkCachedModel } from './cached-source';
export type { CacheCheck, CachedSourceOptions } from './cached-source';
export { FileListSource, DirectoryHandleSource, pickedFiles } from './file-sources';
export type { PickedFile } from './file-sources';
export { isPostedModelInput, labelModelInput, openPostedModel, postModelInput } from './model-input';
export type { ModelLabel, PostedModelInput } from './model-input';
export { listCachedModels, cachedModelSize, deleteCachedModel, clearModelCache, modelCacheReport } from './manage';
export type { CachedModelInfo, ModelCacheReport } from './manage';
export { availableBytes, checkQuota, requestPersistence } from './storage';
export type { StorageLike } from './storage';
export { CacheError, DownloadError, IntegrityError, QuotaError } from './errors';
export { Sha256, sha256Hex } from './sha256';
export { formatBytes } from './bytes';
