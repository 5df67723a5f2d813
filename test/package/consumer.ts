/**
 * The package as a consumer gets it: packed to a tarball, unpacked or
 * installed in a fresh project, and bundled for a browser. Shared by the pack
 * test (test/package/pack.slow.test.ts) and `npm run bench package`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** The repository root (bench and tests both run from it). */
export const ROOT = resolve(process.cwd());

/**
 * The README's package examples: each ```ts block that follows a
 * `<!-- package-example: NAME -->` line, by NAME.
 */
export function readmeExamples(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): Record<string, string> {
  const examples: Record<string, string> = {};
  for (const m of readme.matchAll(/<!-- package-example: ([\w.-]+) -->\n```ts\n([\s\S]*?)\n```/g)) {
    examples[m[1]!] = `${m[2]}\n`;
  }
  return examples;
}

/**
 * Packs the repository into `dir` and returns the tarball's path. dist/ must
 * be built (the test global setup and `npm run bench` build it); the
 * declarations are emitted here. `npm pack` runs without scripts so its
 * `prepare` does not rebuild dist/ under tests that are running it.
 */
export function packInto(dir: string): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts/types.mjs')], { cwd: ROOT, stdio: 'pipe' });
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  const [info] = JSON.parse(out) as { filename: string }[];
  return join(dir, info!.filename);
}

/** The files in the tarball (paths under `package/`). */
export function tarballFiles(tgz: string): string[] {
  return execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
}

/** A fresh ESM project in `dir` with the tarball installed through npm. */
export function installProject(dir: string, tgz: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'stipple-consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', tgz, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
}

/** The tarball unpacked as `dir/node_modules/stipple` (no install: for bundling with the repo's dependencies). */
export function unpackProject(dir: string, tgz: string): void {
  const target = join(dir, 'node_modules/stipple');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', target, '--strip-components=1']);
}

/** What a browser bundle of one entry file weighs. */
export interface BundleSize {
  /** Minified bundle bytes. */
  bytes: number;
  /** Output bytes that came from onnxruntime-web. */
  ortBytes: number;
}

/**
 * Bundles `entry` for a browser (ESM, minified) as a consumer's esbuild would.
 * Packages are looked up from the entry's project, then from `fallback`.
 */
export async function bundleSize(entry: string, fallback?: string): Promise<BundleSize> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    nodePaths: fallback ? [fallback] : [],
  });
  // esbuild reads ORT while resolving a lazy import it then drops: count what reaches the output.
  const ortBytes = Object.values(result.metafile.outputs)
    .flatMap((output) => Object.entries(output.inputs))
    .filter(([path]) => path.includes('node_modules/onnxruntime-web/'))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  return { bytes: result.outputFiles.reduce((sum, f) => sum + f.contents.length, 0), ortBytes };
}

/** The package's built JavaScript files with their sizes, relative to `dir` (an unpacked package). */
export function builtFiles(dir: string): { file: string; bytes: number }[] {
  const walk = (sub: string): { file: string; bytes: number }[] =>
    readdirSync(join(dir, sub)).flatMap((name) => {
      const rel = sub ? `${sub}/${name}` : name;
      const stat = statSync(join(dir, rel));
      if (stat.isDirectory()) return rel === 'dist/types' ? [] : walk(rel);
      return rel.endsWith('.js') ? [{ file: rel, bytes: stat.size }] : [];
    });
  return walk('dist');
}
