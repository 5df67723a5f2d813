/**
 * Test page for test/browser/model-cache.browser.test.ts: puts the delivery
 * API, driven against the page's real IndexedDB and OPFS, on
 * `window.stippleTest`. Every function returns plain JSON for
 * `page.evaluate`.
 */
import { createStore, del } from 'idb-keyval';
import {
  CachedSource,
  DirectoryHandleSource,
  IndexedDbCache,
  listCachedModels,
  loadModel,
  openModelSource,
  Sha256,
  type DownloadProgress,
} from '../../../core/delivery';
import { StippleError } from '../../../core/errors';
import { loadModelRepo, UrlSource, type ModelRepo } from '../../../core/models';
import { createRuntime } from '../../../core/runtime';

const cache = new IndexedDbCache();
const MiB = 1024 * 1024;

const sha = (bytes: Uint8Array): string => new Sha256().update(bytes).hex();

async function summary(repo: ModelRepo) {
  const unet = await repo.components.unet.load();
  return { kind: repo.kind, unetSha: sha(unet.model), models: await listCachedModels(cache) };
}

function describeError(error: unknown) {
  const e = error as StippleError & { files?: string[] };
  return { name: e.name, code: e instanceof StippleError ? e.code : undefined, message: e.message, files: e.files };
}

const api = {
  /** Downloads a preset into IndexedDB (1 MiB chunks) and reads it back. */
  async download(id: string) {
    const events: Pick<DownloadProgress, 'status' | 'file' | 'progress' | 'totalLoaded' | 'totalBytes'>[] = [];
    const repo = await loadModel(id, {
      cache,
      chunkSize: MiB,
      onProgress: (e) => events.push({ status: e.status, file: e.file, progress: e.progress, totalLoaded: e.totalLoaded, totalBytes: e.totalBytes }),
    });
    return { ...(await summary(repo)), events, persisted: await navigator.storage.persisted(), estimate: await navigator.storage.estimate() };
  },

  /** Loads a preset; returns the error instead of throwing (errors do not survive page.evaluate well). */
  async load(id: string, offline: boolean) {
    try {
      return { ok: true as const, ...(await summary(await loadModel(id, { cache, chunkSize: MiB, offline }))) };
    } catch (error) {
      return { ok: false as const, error: describeError(error) };
    }
  },

  /** Deletes one stored chunk behind the cache's back, as storage eviction would. */
  async deleteChunk(id: string, path: string, index: number) {
    await del(['chunk', id, path, index], createStore('stipple-models', 'files'));
  },

  /** Copies a served repo into the origin-private file system and loads it through DirectoryHandleSource. */
  async opfs(baseUrl: string, paths: string[]) {
    const root = await navigator.storage.getDirectory();
    const repoDir = await root.getDirectoryHandle('repo', { create: true });
    for (const path of paths) {
      const parts = path.split('/');
      let dir = repoDir;
      for (const name of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(name, { create: true });
      const writable = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
      await writable.write(await (await fetch(new URL(path, baseUrl))).arrayBuffer());
      await writable.close();
    }
    const source = new DirectoryHandleSource(repoDir);
    const missing = await source.exists('unet/model.onnx_data');
    return { ...(await summary(await loadModelRepo(source))), missing, description: source.description };
  },

  /** A cached file as a blob: URL, fetched back the way ONNX Runtime Web fetches external data. */
  async blobUrl(id: string, path: string) {
    const source = (await openModelSource(id, { cache, offline: true })) as CachedSource;
    const url = await source.objectUrl(path);
    try {
      const res = await fetch(url);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { url: url.slice(0, 5), size: bytes.length, contentLength: res.headers.get('Content-Length'), sha: sha(bytes) };
    } finally {
      URL.revokeObjectURL(url);
    }
  },

  /**
   * Opens a repo URL (discovered, cached), then creates an ONNX Runtime Web
   * session for its UNet with the external weights passed as a blob: URL,
   * the path documented for files too big for one ArrayBuffer.
   */
  async ortExternalData(repoUrl: string, via: 'cache' | 'url') {
    const source = via === 'cache' ? ((await openModelSource(repoUrl, { cache, chunkSize: MiB })) as CachedSource) : new UrlSource(repoUrl);
    const ortUrl = '/ort/ort.wasm.min.mjs'; // a variable: esbuild leaves the import to the browser
    const ort = (await import(ortUrl)) as typeof import('onnxruntime-web');
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = 1;
    try {
      // Every external-data file counts as large: the loader must hand it to ORT as a URL
      // (a blob: URL from the cache, the file's own URL from a server) instead of bytes.
      const repo = await loadModelRepo(source, { largeFileBytes: 1 });
      const files = await repo.components.unet.load();
      const handedAs = typeof files.externalData?.[0]?.data;
      files.release?.();
      const unet = await createRuntime({ ort }).createUnet(repo);
      await unet.release();
      return { ok: true as const, handedAs, inChannels: unet.inChannels };
    } catch (error) {
      return { ok: false as const, error: describeError(error) };
    }
  },
};

declare global {
  interface Window {
    stippleTest: typeof api;
  }
}
window.stippleTest = api;
