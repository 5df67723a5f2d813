/**
 * `npm run bench package`: what installing and bundling Stipple costs: the
 * tarball, each built entry point and shared chunk, and minified browser
 * bundles of a tokenizer-only import, a UI-only import and the README's
 * browser example (ONNX Runtime's share shown apart).
 */
import { statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtFiles, bundleSize, packInto, readmeExamples, ROOT, tarballFiles, unpackProject } from '../package/consumer';

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

export async function benchPackage(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'stipple-bench-package-'));
  try {
    const tgz = packInto(tmp);
    console.log(`Tarball: ${kb(statSync(tgz).size)} KB, ${tarballFiles(tgz).length} files`);
    const app = join(tmp, 'app');
    unpackProject(app, tgz);
    console.log('Built JavaScript in the package (entry points, shared chunks, worker, CLI)');
    console.table(builtFiles(join(app, 'node_modules/stipple')).map(({ file, bytes }) => ({ file, KB: kb(bytes) })));

    const entries: Record<string, string> = {
      'tokenizer only': "import { ClipTokenizer } from 'stipple';\nconsole.log(ClipTokenizer);\n",
      'canvas document (UI, no engine)': "import { CanvasDocument } from 'stipple/adapters/canvas';\nconsole.log(CanvasDocument);\n",
      "README's browser example": readmeExamples()['browser.ts'] ?? '',
    };
    const rows = [];
    for (const [what, code] of Object.entries(entries)) {
      const file = join(app, `${rows.length}.ts`);
      writeFileSync(file, code);
      // The package's own dependencies come from the repository's node_modules (nothing is installed).
      const size = await bundleSize(file, join(ROOT, 'node_modules'));
      rows.push({ bundle: what, 'minified KB': kb(size.bytes), 'of it ONNX Runtime KB': kb(size.ortBytes) });
    }
    console.log('\nBrowser bundles of an app that imports Stipple (esbuild, ESM, minified)');
    console.table(rows);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
