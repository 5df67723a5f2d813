/**
 * The CLI's models by URL, through the disk cache: issue 15's contract (a
 * flaky server, resumed with Range, then the same output with the server
 * gone), and `stipple models list|pull|rm|path|verify` against a local
 * server and offline. The bin runs as a child process with HOME and
 * XDG_CACHE_HOME pointing at a fresh folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverManifest } from '../../core/delivery';
import { startFaultServer, type FaultServer, type LoggedRequest } from '../delivery/fault-server';
import { FIXTURES, GOLDEN } from '../pipelines/golden';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const SD = join(FIXTURES, 'sd');
const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bin with HOME and XDG_CACHE_HOME at `home`, and no STIPPLE_CACHE_DIR. */
async function stipple(home: string, args: string[]): Promise<Run> {
  const { STIPPLE_CACHE_DIR: _unused, ...env } = process.env;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...env, HOME: home, XDG_CACHE_HOME: join(home, 'xdg-cache') },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function sdedit(model: string, out: string): string[] {
  return [
    'sdedit', '--model', model, '--image', join(GOLDEN, 'sdedit_img2img', 'input.png'), '--prompt', 'a red fox',
    '--steps', '3', '--seed', '7', '--runtime', 'wasm', '--threads', '1', '--out', `${out}.png`, '--raw', `${out}.bin`,
  ];
}

const bytes = (file: string): Buffer => readFileSync(file);

let server: FaultServer;
let tmp: string;
beforeAll(async () => {
  server = await startFaultServer({ '/sd/': SD, '/sd2/': SD });
  tmp = mkdtempSync(join(tmpdir(), 'stipple-models-'));
});
afterAll(async () => {
  await server?.close().catch(() => undefined);
});

describe('--model URL through the disk cache (issue 15 contract)', () => {
  it('survives a cut at 40% and a 500 per file, resumes with Range, and reruns offline with the same output', async () => {
    const home = mkdtempSync(join(tmpdir(), 'stipple-home-'));
    const local = await stipple(home, sdedit(SD, join(tmp, 'local')));
    expect(local.code, local.stderr).toBe(0);

    // Which files exist, and which of them discovery itself reads (their first GET stays clean:
    // discovery reads configs once, without the downloader's retries).
    const url = `${server.url}/sd`;
    const manifest = await discoverManifest(`${url}/`);
    const discoveryGets = new Set(server.requests.filter((r) => r.method === 'GET').map((r) => r.path));
    server.resetStats();
    const sizes = new Map(manifest.files.map((f) => [f.path, readFileSync(join(SD, f.path)).length]));
    for (const [path, size] of sizes) {
      const urlPath = `/sd/${path}`;
      const cut = { dropAfter: Math.floor(size * 0.4) };
      // `{}` on GET: discovery's read passes untouched (HEAD probes never take a turn of the list).
      server.fault(urlPath, [...(discoveryGets.has(urlPath) ? [{}] : []), cut, { status: 500 }]);
    }

    const first = await stipple(home, sdedit(url, join(tmp, 'remote')));
    expect(first.code, first.stderr).toBe(0);
    expect(bytes(join(tmp, 'remote.png')).equals(bytes(join(tmp, 'local.png')))).toBe(true);
    expect(bytes(join(tmp, 'remote.bin')).equals(bytes(join(tmp, 'local.bin')))).toBe(true);
    // Not a TTY: one line per downloaded file on stderr, nothing on stdout.
    for (const path of sizes.keys()) expect(first.stderr).toContain(`stipple: downloaded ${path} `);
    expect(first.stdout).toBe('');

    // Per file: the download's GETs were cut, refused, then resumed at the cut, never from byte 0 again.
    for (const [path, size] of sizes) {
      const gets = server.requests.filter((r) => r.method === 'GET' && r.path === `/sd/${path}`);
      const download = discoveryGets.has(`/sd/${path}`) ? gets.slice(1) : gets;
      const cutAt = Math.floor(size * 0.4);
      expect(download.length, path).toBe(3); // cut, 500, resumed
      expect(download[0]!.range, path).toBeUndefined();
      expect(download.slice(1).map((r: LoggedRequest) => r.range), path).toEqual(cutAt > 0 ? [`bytes=${cutAt}-`, `bytes=${cutAt}-`] : [undefined, undefined]);
    }
    // The cache went where XDG_CACHE_HOME says.
    expect(readdirSync(join(home, 'xdg-cache', 'stipple'))).toHaveLength(1);

    server.clearFaults();
    await server.close();
    const offline = await stipple(home, sdedit(url, join(tmp, 'offline')));
    expect(offline.code, offline.stderr).toBe(0);
    expect(bytes(join(tmp, 'offline.png')).equals(bytes(join(tmp, 'local.png')))).toBe(true);
    expect(bytes(join(tmp, 'offline.bin')).equals(bytes(join(tmp, 'local.bin')))).toBe(true);
    server = await startFaultServer({ '/sd/': SD, '/sd2/': SD });
  });
});
