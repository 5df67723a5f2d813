// Serves the built demo on 127.0.0.1 with everything it needs, offline:
//   /            the demo (dist/demo by default: index.html, main.js)
//   /ort/        onnxruntime-web's .wasm and .mjs files
//   /models/tiny-sd/  the tiny fixture models (test/fixtures/tiny-sd)
// with cross-origin isolation headers (COOP/COEP) so ONNX Runtime can use
// threads. `node plugins/canvas/serve.mjs [demo-dir]`; PORT sets the port.
// Requests whose Host is not a loopback name are refused (DNS rebinding).
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAllowedHost } from './loopback-host.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.onnx_data': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

function ortDist() {
  // The package's root export resolves into its dist/ folder under Node.
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('onnxruntime-web'));
}

/**
 * Starts the server.
 * @param {{ port?: number, host?: string, demoDir?: string, quiet?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startDemoServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const mounts = [
    ['/ort/', ortDist()],
    ['/models/tiny-sd/', join(root, 'test/fixtures/tiny-sd')],
    ['/', resolve(root, options.demoDir ?? 'dist/demo')],
  ];
  let boundPort = 0;
  const server = createServer((req, res) => {
    if (!isAllowedHost(req.headers.host, host, boundPort)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Refused: this development server answers only to ${host}:${boundPort} (Host was ${req.headers.host ?? 'missing'}).`);
      return;
    }
    handle(req, res, mounts).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Internal error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 5173, host, () => ok(undefined));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : Number(options.port);
  boundPort = port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok(undefined));
      }),
  };
}

async function handle(req, res, mounts) {
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, Allow: 'GET, HEAD' });
    res.end();
    return;
  }
  const file = await resolveFile(new URL(req.url ?? '/', 'http://x').pathname, mounts);
  if (!file) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : 'Not found');
    return;
  }
  const type = TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  const size = file.size;
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': String(end - start + 1), 'Accept-Ranges': 'bytes' });
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  createReadStream(file.path, { start, end }).on('error', () => res.destroy()).pipe(res);
}

/** The file a URL path maps to, never outside its mount; null when there is none. */
async function resolveFile(pathname, mounts) {
  let path;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    let rel = path.slice(prefix.length);
    if (prefix === '/' && (rel === '' || rel.endsWith('/'))) rel += 'index.html';
    const full = resolve(dir, rel);
    if (full !== dir && !full.startsWith(dir + sep)) return null;
    try {
      const s = await stat(full);
      if (s.isFile()) return { path: full, size: s.size };
    } catch {
      // not there: try the next mount
    }
    return null;
  }
  return null;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const demoDir = resolve(root, process.argv[2] ?? 'dist/demo');
  if (!existsSync(join(demoDir, 'index.html'))) {
    console.error(`No built demo in ${demoDir}: run \`npm run build\` (or \`npm start\`, which builds first).`);
    process.exit(1);
  }
  const port = process.env.PORT ? Number(process.env.PORT) : 5173;
  try {
    const { url } = await startDemoServer({ port, demoDir });
    console.log(`Stipple demo: ${url}`);
    console.log('Open it in a browser. The bundled model is a tiny test model with random weights (its output is noise);');
    console.log('load a real one from the Model section of the panel (a preset, an ONNX repo URL, or a local folder).');
    console.log('Stop with Ctrl+C.');
  } catch (error) {
    if (error && error.code === 'EADDRINUSE') {
      console.error(`Port ${port} is in use: run with another port, e.g. PORT=5174 npm start`);
      process.exit(1);
    }
    throw error;
  }
}
