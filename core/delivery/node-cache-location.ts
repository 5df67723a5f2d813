/**
 * Where Node keeps downloaded models: `$STIPPLE_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/stipple`, else `~/.cache/stipple` (the XDG base directory
 * convention Hugging Face's and pip's caches follow too). **Node only**.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Hasher } from './downloader';
import { NodeRepoCache } from './node-repo-cache';

/** The environment variables that place the cache, most specific first. */
export interface CacheEnv {
  readonly STIPPLE_CACHE_DIR?: string;
  readonly XDG_CACHE_HOME?: string;
  readonly HOME?: string;
}

/**
 * The model cache folder for this environment. Empty variables count as
 * unset, as the XDG spec asks; `HOME` falls back to the OS's idea of it.
 */
export function defaultCacheDir(env: CacheEnv = process.env): string {
  if (env.STIPPLE_CACHE_DIR) return resolve(env.STIPPLE_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, 'stipple');
  return resolve(env.HOME || homedir(), '.cache', 'stipple');
}

/** A {@link NodeRepoCache} (each model a plain repo folder) at {@link defaultCacheDir}. */
export function defaultNodeCache(env: CacheEnv = process.env): NodeRepoCache {
  return new NodeRepoCache(defaultCacheDir(env));
}

/** sha256 through `node:crypto`: about 10x the pure-JS hasher, which matters for multi-GB files. */
export function nodeSha256(): Hasher {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), hex: () => hash.digest('hex') };
}

