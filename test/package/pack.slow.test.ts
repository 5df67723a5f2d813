/**
 * The package works for someone who installs it: `npm pack`, install the
 * tarball into a fresh project, type-check the README's examples under
 * NodeNext and Bundler with skipLibCheck off, run the Node example, bundle the
 * browser one, and check that errors are one class across entry points.
 * Slow (pack + install + two tsc runs): in `npm run test:slow`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSize, installProject, packInto, readmeExamples, ROOT, tarballFiles } from './consumer';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const MODEL = join(ROOT, 'test/fixtures/tiny-sd');

let work: string;
let project: string;
let tgz: string;

/** Every entry point's whole type surface, so skipLibCheck off checks every shipped declaration. */
const ENTRIES = `
export * as core from 'stipple';
export * as core2 from 'stipple/core';
export * as node from 'stipple/node';
export * as canvas from 'stipple/adapters/canvas';
export * as photopea from 'stipple/adapters/photopea';
export * as figma from 'stipple/adapters/figma';
import 'stipple/worker';
`;

/** An error raised inside one entry point, checked against the classes of another. */
const INSTANCEOF = `
import { ImageFormatError, InvalidInputError, StippleError } from 'stipple';
import { CanvasDocument } from 'stipple/adapters/canvas';
import { decodePng } from 'stipple/node';
const caught = (fn) => { try { fn(); } catch (e) { return e; } throw new Error('did not throw'); };
const fromCanvas = caught(() => new CanvasDocument({ width: 2, height: 2, data: new Uint8ClampedArray(3) }));
const fromNode = caught(() => decodePng(new Uint8Array([1, 2, 3])));
console.log(JSON.stringify({
  canvas: [fromCanvas.constructor.name, fromCanvas instanceof InvalidInputError, fromCanvas instanceof StippleError],
  node: [fromNode.constructor.name, fromNode instanceof ImageFormatError, fromNode instanceof StippleError],
}));
`;

function tsconfig(resolution: 'NodeNext' | 'Bundler'): object {
  return {
    compilerOptions: {
      module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
      moduleResolution: resolution,
      target: 'ES2022',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      strict: true,
      skipLibCheck: false,
      // The Node example uses process and node:fs; every other type comes from the package's dependencies.
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      ...(resolution === 'NodeNext' ? { outDir: 'out' } : { noEmit: true }),
    },
    files: ['node.ts', 'browser.ts', 'entries.ts'],
  };
}

/** Runs tsc on one of the project's configs; returns its diagnostics ('' when clean). */
function typeCheck(config: string): string {
  try {
    execFileSync(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'stipple-pack-'));
  project = join(work, 'app');
  tgz = packInto(work);
  installProject(project, tgz);
  const examples = readmeExamples();
  writeFileSync(join(project, 'node.ts'), examples['node.ts'] ?? '');
  writeFileSync(join(project, 'browser.ts'), examples['browser.ts'] ?? '');
  writeFileSync(join(project, 'entries.ts'), ENTRIES);
  writeFileSync(join(project, 'instanceof.mjs'), INSTANCEOF);
  writeFileSync(join(project, 'tokenizer-only.js'), "import { ClipTokenizer } from 'stipple';\nconsole.log(ClipTokenizer.name);\n");
  writeFileSync(join(project, 'tsconfig.nodenext.json'), JSON.stringify(tsconfig('NodeNext')));
  writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify(tsconfig('Bundler')));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built library, the CLI and the declarations, and nothing else', () => {
    const files = tarballFiles(tgz).map((f) => f.replace(/^package\//, ''));
    const shipped = /^(package\.json|README\.md|dist\/(core|node|worker|cli)\.js|dist\/(adapters|chunks)\/[\w-]+\.js|dist\/types\/.+\.d\.ts)$/;
    expect(files.filter((f) => !shipped.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const target of Object.values(pkg.exports as Record<string, Record<string, string>>)) {
      expect(files).toContain(target.default!.replace(/^\.\//, ''));
      expect(files).toContain(target.types!.replace(/^\.\//, ''));
    }
    expect(files).toContain(pkg.bin.stipple);
    // Only the Worker script does something on import (it serves messages on `self`): bundlers may drop the rest unused.
    expect(pkg.sideEffects).toEqual(['./dist/worker.js']);
  });

  it('the README has both package examples', () => {
    expect(Object.keys(readmeExamples()).sort()).toEqual(['browser.ts', 'node.ts']);
  });

  it('type-checks the README examples and every entry point under NodeNext, skipLibCheck off', () => {
    expect(typeCheck('tsconfig.nodenext.json')).toBe('');
  });

  it('type-checks the README examples and every entry point under Bundler, skipLibCheck off', () => {
    expect(typeCheck('tsconfig.bundler.json')).toBe('');
  });

  it('runs the Node example on the tiny inpainting model', () => {
    // Emitted by the NodeNext check above (tsc writes out/ even before it reports).
    const fixture = join(MODEL, 'golden/inpaint_9ch');
    const stdout = execFileSync(
      process.execPath,
      ['out/node.js', join(MODEL, 'sd-inpaint'), join(fixture, 'input.png'), join(fixture, 'mask.png')],
      { cwd: project, encoding: 'utf8' },
    );
    const input = PNG.sync.read(readFileSync(join(fixture, 'input.png')));
    const output = PNG.sync.read(readFileSync(join(project, 'inpainted.png')));
    expect([output.width, output.height]).toEqual([input.width, input.height]);
    expect(stdout).toContain(`inpainted.png: `);
    expect(stdout).toContain('seed 42');
  });

  it('a bad input raised in one entry point is an instance of the classes of another', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['instanceof.mjs'], { cwd: project, encoding: 'utf8' }));
    expect(out).toEqual({ canvas: ['InvalidInputError', true, true], node: ['ImageFormatError', true, true] });
  });

  it('bundles the browser example with esbuild; a tokenizer-only import leaves ONNX Runtime out', async () => {
    const browser = await bundleSize(join(project, 'browser.ts'));
    expect(browser.bytes).toBeGreaterThan(10_000);
    const tokenizer = await bundleSize(join(project, 'tokenizer-only.js'));
    expect(tokenizer.ortBytes).toBe(0);
    expect(tokenizer.bytes).toBeLessThan(browser.bytes);
  });
});
