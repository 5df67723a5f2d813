/**
 * A static file server on 127.0.0.1 for download tests, with faults to
 * inject per path: an error status, a dropped connection, a wrong
 * Content-Length, slow bodies, Range ignored, an HTML page with status 200,
 * a trickle then a stall, no answer at all. Serves folders (the fixture
 * repos) and generated files (large benchmark files that never touch disk).
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';

/** What to do wrong for one path. */
export interface Fault {
  /** Answer with this HTTP status (and a short text body) instead of the file. */
  status?: number;
  /** Close the connection after this many body bytes of the response. */
  dropAfter?: number;
  /** Add this to the true Content-Length (negative: claim fewer bytes); the connection is closed after the body. */
  lengthDelta?: number;
  /** Answer `200` with the whole file even when a Range was asked for. */
  ignoreRange?: boolean;
  /** Pause this long before each 64 KiB piece of the body. */
  delayMs?: number;
  /** Serve these bytes instead of the file (e.g. a corrupted copy). */
  body?: Uint8Array;
  /** Answer 200 with an HTML page instead of the file, as a captive portal or a broken CDN does. */
  html?: boolean;
  /** Send this many body bytes, then nothing more while keeping the connection open (a trickle then a stall). */
  stallAfter?: number;
  /** Never answer: no status, no headers, the connection held open (a server that hangs, e.g. during discovery). */
  stall?: boolean;
  /** Extra response headers, e.g. Hugging Face's `X-Linked-Etag`. */
  headers?: Record<string, string>;
  /** Only the first `times` matching requests get the fault (default: all). */
  times?: number;
  /** Methods the fault applies to (default: GET only, so HEAD probes see the truth). */
  methods?: readonly string[];
}

/** A file generated on request, e.g. a large benchmark file. */
export interface VirtualFile {
  readonly size: number;
  /** Bytes `[start, end)` of the file. */
  read(start: number, end: number): Uint8Array;
}

/** One logged request. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  /** The `Range` header, if any. */
  readonly range: string | undefined;
}

export interface FaultServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly requests: LoggedRequest[];
  /**
   * Sets (or with `undefined`, clears) the fault of an exact URL path such as
   * `/models/tiny-sd/sd/unet/model.onnx`. A list gives the faults of the
   * first requests in turn (`undefined`: no fault); later requests are served normally.
   */
  fault(path: string, fault: Fault | readonly (Fault | undefined)[] | undefined): void;
  clearFaults(): void;
  /** Serves `file` at `path`. */
  addFile(path: string, file: VirtualFile | Uint8Array): void;
  /** When true every request fails with 503 (the network is "down" for this server). */
  offline: boolean;
  /** Most GET bodies in flight at once since the last reset. */
  readonly maxActive: number;
  resetStats(): void;
  close(): Promise<void>;
}

const PIECE = 64 * 1024;

/**
 * Starts a server. `routes` maps URL prefixes to folders, e.g.
 * `{ '/models/tiny-sd/': 'test/fixtures/tiny-sd' }`.
 */
export async function startFaultServer(routes: Record<string, string> = {}): Promise<FaultServer> {
  const faults = new Map<string, { list: readonly (Fault | undefined)[]; forever: boolean; used: number }>();
  const virtual = new Map<string, VirtualFile>();
  const requests: LoggedRequest[] = [];
  const diskCache = new Map<string, Uint8Array>();
  const state = { offline: false, active: 0, maxActive: 0 };

  async function lookup(path: string): Promise<VirtualFile | undefined> {
    const v = virtual.get(path);
    if (v) return v;
    for (const [prefix, dir] of Object.entries(routes)) {
      if (!path.startsWith(prefix)) continue;
      const root = normalize(dir);
      const file = normalize(join(root, path.slice(prefix.length)));
      if (!file.startsWith(root + sep) && file !== root) return undefined;
      let bytes = diskCache.get(file);
      if (!bytes) {
        try {
          if (!(await stat(file)).isFile()) return undefined;
          bytes = new Uint8Array(await readFile(file));
        } catch {
          return undefined;
        }
        diskCache.set(file, bytes);
      }
      return bytesFile(bytes);
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range;
    requests.push({ method, path, range });
    if (state.offline) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('offline');
      return;
    }
    let fault: Fault | undefined;
    const entry = faults.get(path);
    const next = entry && (entry.forever ? entry.list[0] : entry.list[entry.used]);
    if (entry && (next === undefined || (next.methods ?? ['GET']).includes(method))) {
      if (next && !(entry.forever && next.times !== undefined && entry.used >= next.times)) fault = next;
      entry.used++;
    }
    if (fault?.status !== undefined) {
      res.writeHead(fault.status, { 'Content-Type': 'text/plain', 'Retry-After': '0' }).end(`fault ${fault.status}`);
      return;
    }
    if (fault?.stall) return; // held open until the client gives up or the server closes
    if (fault?.html) {
      const page = '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>';
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) }).end(method === 'HEAD' ? undefined : page);
      return;
    }
    let file = await lookup(path);
    if (fault?.body) file = bytesFile(fault.body);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }

    let start = 0;
    let end = file.size; // exclusive
    let status = 200;
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ...fault?.headers };
    const match = range === undefined || fault?.ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(range);
    if (match) {
      start = Number(match[1]);
      if (start >= file.size) {
        res.writeHead(416, { 'Content-Range': `bytes */${file.size}` }).end();
        return;
      }
      if (match[2]) end = Math.min(file.size, Number(match[2]) + 1);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end - 1}/${file.size}`;
    }
    const length = end - start;
    headers['Content-Length'] = length + (fault?.lengthDelta ?? 0);
    res.writeHead(status, headers);
    if (method === 'HEAD') {
      res.end();
      return;
    }
    const cut = fault?.dropAfter ?? fault?.stallAfter;
    const limit = cut === undefined ? length : Math.min(length, cut);
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    try {
      await sendBody(res, file, start, limit, fault);
    } finally {
      state.active--;
    }
    if (res.destroyed) return;
    if (fault?.stallAfter !== undefined && fault.stallAfter < length) return; // the rest never comes
    if (fault?.dropAfter !== undefined && fault.dropAfter < length) {
      res.socket?.destroy();
      return;
    }
    if (fault?.lengthDelta) {
      // A server that lies about the length: the client must not wait for (or keep) bytes that never match.
      res.socket?.end(() => res.socket?.destroy());
      return;
    }
    res.end();
  }

  async function sendBody(res: ServerResponse, file: VirtualFile, start: number, limit: number, fault: Fault | undefined): Promise<void> {
    for (let sent = 0; sent < limit; ) {
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (res.destroyed) return;
      const n = Math.min(PIECE, limit - sent);
      const piece = file.read(start + sent, start + sent + n);
      sent += n;
      if (sent === limit && (fault?.dropAfter !== undefined || fault?.stallAfter !== undefined)) {
        // Hand the last bytes to the socket before the connection is cut, so the client gets exactly `dropAfter`.
        await new Promise<void>((r) => res.write(piece, () => r()));
        break;
      }
      const ok = res.write(piece);
      if (!ok) await drainOrClose(res);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    get offline() {
      return state.offline;
    },
    set offline(value: boolean) {
      state.offline = value;
    },
    get maxActive() {
      return state.maxActive;
    },
    resetStats() {
      state.maxActive = 0;
      requests.length = 0;
    },
    fault(path, fault) {
      if (fault === undefined) faults.delete(path);
      else if (Array.isArray(fault)) faults.set(path, { list: fault, forever: false, used: 0 });
      else faults.set(path, { list: [fault as Fault], forever: true, used: 0 });
    },
    clearFaults() {
      faults.clear();
    },
    addFile(path, file) {
      virtual.set(path, file instanceof Uint8Array ? bytesFile(file) : file);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until the response can take more bytes, or is gone. */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function bytesFile(bytes: Uint8Array): VirtualFile {
  return { size: bytes.length, read: (start, end) => bytes.subarray(start, end) };
}

/**
 * A large file that exists only as a formula: byte `i` comes from a 1 MiB
 * random-looking pattern, offset by the index of the MiB so no two MiB are
 * alike. Cheap to serve at GB/s, identical on every Range request.
 */
export function generatedFile(size: number, seed = 1): VirtualFile & { bytes(start: number, end: number): Uint8Array } {
  const PATTERN = 1 << 20;
  const pattern = new Uint8Array(PATTERN + PIECE);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < pattern.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pattern[i] = x & 0xff;
  }
  const read = (start: number, end: number): Uint8Array => {
    const out = new Uint8Array(end - start);
    for (let pos = start; pos < end; ) {
      const mib = Math.floor(pos / PATTERN);
      const within = pos % PATTERN;
      const n = Math.min(end - pos, PATTERN - within);
      // Rotate the pattern by the MiB index so consecutive MiB differ.
      const from = (within + mib * 7919) % PATTERN;
      const first = Math.min(n, PATTERN - from);
      out.set(pattern.subarray(from, from + first), pos - start);
      if (first < n) out.set(pattern.subarray(0, n - first), pos - start + first);
      pos += n;
    }
    return out;
  };
  return { size, read, bytes: read };
}
