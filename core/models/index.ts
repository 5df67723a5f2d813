/**
 * Model repos: where the files come from ({@link RepoSource}) and what a
 * Stable Diffusion ONNX repo holds ({@link loadModelRepo}).
 *
 * Browser-safe. The Node folder source lives in `./node-folder-source` and is
 * deliberately not re-exported here, so browser bundles never pull in `node:fs`.
 */
export { UrlSource, checkRepoPath } from './source';
export type { RepoSource, SourceUrl } from './source';
export { loadModelRepo, COMPONENT_NAMES, LARGE_FILE_BYTES, findComponent, makeComponent } from './repo';
export type {
  ComponentFiles,
  ComponentName,
  ExternalDataFile,
  JsonObject,
  LoadRepoOptions,
  ModelComponent,
  ModelKind,
  ModelRepo,
} from './repo';
export { inspectOnnxModel } from './onnx-graph';
export type { OnnxExternalDataRef, OnnxModelInfo, OnnxValueInfo } from './onnx-graph';
