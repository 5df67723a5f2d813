// Emits the package's TypeScript declarations into dist/types (tsconfig.types.json)
// and makes them resolvable under every `moduleResolution` a consumer may use.
//
// The sources import each other without extensions (`./editor`), which Bundler
// resolution accepts but NodeNext does not. Rather than rewriting the sources,
// each relative specifier in the emitted .d.ts files is resolved on disk and
// rewritten to the file it names: `./editor` -> `./editor.js`, `./jobs` ->
// `./jobs/index.js` (TypeScript maps `.js` to the `.d.ts` next to it).
// Bare specifiers must name a dependency or peer dependency: types that reach
// for a devDependency would not compile for a consumer with skipLibCheck off.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outDir = join(root, 'dist/types');

// `from '…'`, `import('…')` and side-effect `import '…'` in declaration files.
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g;

/** Every .d.ts file under `dir`. */
function declarationFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return declarationFiles(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The NodeNext spelling of relative `specifier` written in `file`. */
function withExtension(file, specifier) {
  if (/\.(js|mjs|cjs)$/.test(specifier)) return specifier;
  const target = resolve(dirname(file), specifier);
  if (existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${specifier.replace(/\/$/, '')}/index.js`;
  throw new Error(`${relative(root, file)}: cannot resolve "${specifier}" to a declaration file`);
}

/**
 * The NodeNext spelling of bare `specifier`: a subpath of a package without an
 * exports map is a file path, so it needs the extension there too
 * (`@figma/plugin-typings/plugin-api-standalone` -> `….js`).
 */
function bareWithExtension(specifier) {
  const name = packageOf(specifier);
  if (name === specifier || /\.(js|mjs|cjs)$/.test(specifier)) return specifier;
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  if (pkg.exports !== undefined) return specifier;
  return existsSync(join(root, 'node_modules', `${specifier}.d.ts`)) ? `${specifier}.js` : specifier;
}

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`). */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Rewrites the declarations in place; returns the bare packages they import. */
export function fixDeclarations(dir = outDir) {
  const imported = new Set();
  for (const file of declarationFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    // Comments may quote import lines (TSDoc examples): only code is rewritten.
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => ' '.repeat(c.length));
    let out = '';
    let last = 0;
    for (const m of code.matchAll(SPECIFIER)) {
      const [whole, lead, quote, specifier] = m;
      const relative = specifier.startsWith('.');
      if (!relative) imported.add(packageOf(specifier));
      const fixed = relative ? withExtension(file, specifier) : bareWithExtension(specifier);
      if (fixed === specifier) continue;
      out += text.slice(last, m.index) + lead + quote + fixed + quote;
      last = m.index + whole.length;
    }
    if (last > 0) writeFileSync(file, out + text.slice(last));
  }
  return imported;
}

/** Emits and fixes the declarations; fails when they import anything but dependencies. */
export function buildDeclarations() {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.types.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const stray = [...fixDeclarations()].filter((name) => !allowed.has(name));
  if (stray.length > 0) throw new Error(`The declarations import packages a consumer does not get: ${stray.join(', ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDeclarations();
  console.log(`Wrote the declarations into ${relative(root, outDir)}`);
}
