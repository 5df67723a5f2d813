/**
 * The CLI's models by URL, through the disk cache: issue 15's contract (a
 * flaky server, resumed with Range, then the same output with the server
 * gone), and `stipple models list|pull|rm|path|verify` against a local
 * server and offline. The bin runs as a child process with HOME and
 * XDG_CACHE_HOME pointing at a fresh folder. In `npm run test:slow`: its
 * faults are real retries with real backoff (about 45 s of waiting).
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

/** Runs the bin with HOME and XDG_CACHE_HOME at `home`, and no STIPPLE_CACHE_DIR unless `extraEnv` sets one. */
async function stipple(home: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const { STIPPLE_CACHE_DIR: _unused, ...env } = process.env;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...env, HOME: home, XDG_CACHE_HOME: join(home, 'xdg-cache'), ...extraEnv },
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
    '--steps', '3', '--seed', '7', '--threads', '1', '--out', `${out}.png`, '--raw', `${out}.bin`,
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

    // Which files exist, and which of them discovery itself reads (configs and tokenizer files).
    const url = `${server.url}/sd`;
    const manifest = await discoverManifest(`${url}/`);
    const discoveryGets = new Set(server.requests.filter((r) => r.method === 'GET').map((r) => r.path));
    server.resetStats();
    const sizes = new Map(manifest.files.map((f) => [f.path, readFileSync(join(SD, f.path)).length]));
    for (const [path, size] of sizes) {
      // Every file's first GET is cut at 40% and its next one refused, discovery's reads included.
      server.fault(`/sd/${path}`, [{ dropAfter: Math.floor(size * 0.4) }, { status: 500 }]);
    }

    const first = await stipple(home, sdedit(url, join(tmp, 'remote')));
    expect(first.code, first.stderr).toBe(0);
    expect(bytes(join(tmp, 'remote.png')).equals(bytes(join(tmp, 'local.png')))).toBe(true);
    expect(bytes(join(tmp, 'remote.bin')).equals(bytes(join(tmp, 'local.bin')))).toBe(true);
    // Not a TTY: one line per downloaded file on stderr, nothing on stdout.
    for (const path of sizes.keys()) expect(first.stderr).toContain(`stipple: downloaded ${path} `);
    expect(first.stdout).toBe('');

    // Per file: cut, refused, then resumed at the cut, never from byte 0 again. A file that discovery
    // read (and resumed) is then downloaded once more, whole and untouched, into the cache.
    for (const [path, size] of sizes) {
      const gets = server.requests.filter((r) => r.method === 'GET' && r.path === `/sd/${path}`);
      const cutAt = Math.floor(size * 0.4);
      const resumed = cutAt > 0 ? `bytes=${cutAt}-` : undefined;
      const expected = [undefined, resumed, resumed, ...(discoveryGets.has(`/sd/${path}`) ? [undefined] : [])];
      expect(gets.map((r: LoggedRequest) => r.range), path).toEqual(expected);
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

describe('stipple models', () => {
  const sizeOf = (path: string): number => readFileSync(join(SD, path)).length;

  it('pull, list, path, verify, repair, rm: against a local server, then offline', async () => {
    const home = mkdtempSync(join(tmpdir(), 'stipple-home-'));
    const cacheRoot = join(home, 'xdg-cache', 'stipple');
    const url = `${server.url}/sd2/`;
    expect((await stipple(home, ['models', 'list'])).stdout).toBe(`No models in ${cacheRoot}.\n`);

    const manifestPaths = (await discoverManifest(url)).files.map((f) => f.path);
    const pulled = await stipple(home, ['models', 'pull', url]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const dir = pulled.stdout.trim();
    expect(dir.startsWith(cacheRoot)).toBe(true);
    expect(pulled.stderr).toMatch(/stipple: downloaded unet\/model\.onnx \(/);

    server.offline = true; // every request now fails: nothing below may need the network
    try {
      const listed = JSON.parse((await stipple(home, ['models', 'list', '--json'])).stdout);
      const files = listed.models[0].missing as string[];
      expect(listed).toMatchObject({ cache: cacheRoot, models: [{ id: url, source: url, state: 'complete' }] });
      expect(files).toEqual([]);
      expect(listed.models[0].bytes).toBe(manifestPaths.reduce((n, p) => n + sizeOf(p), 0));
      const table = (await stipple(home, ['models', 'list'])).stdout.split('\n');
      expect(table[0]).toMatch(/^ID\s+SOURCE\s+SIZE\s+STATE$/);
      expect(table[1]).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')}\\s+.*\\s+complete$`));

      expect((await stipple(home, ['models', 'path', url])).stdout.trim()).toBe(dir);
      const viaPath = await stipple(home, ['tokenize', '--model', dir, 'a red fox']);
      const viaFolder = await stipple(home, ['tokenize', '--model', SD, 'a red fox']);
      expect(viaPath.code, viaPath.stderr).toBe(0);
      expect(viaPath.stdout).toBe(viaFolder.stdout);

      const verified = await stipple(home, ['models', 'verify', url]);
      expect(verified).toMatchObject({ code: 0, stdout: `${url}: complete, every file checked\n` });

      // The path is the repo itself, in its own layout: other tools read it as they read a clone.
      for (const p of manifestPaths) expect(readFileSync(join(dir, p)).equals(readFileSync(join(SD, p))), p).toBe(true);

      // Flip a byte of the stored UNet (same length: only the sha256 can tell).
      const unet = join(dir, 'unet', 'model.onnx');
      const damaged = readFileSync(unet);
      damaged[damaged.length - 10] ^= 0xff;
      writeFileSync(unet, damaged);
      const bad = await stipple(home, ['models', 'verify', url]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/unet\/model\.onnx: damaged \(.*sha256/);
      expect(bad.stderr).toContain(`stipple models pull ${url}`);
      expect(JSON.parse((await stipple(home, ['models', 'list', '--json'])).stdout).models[0]).toMatchObject({ state: 'damaged', missing: ['unet/model.onnx'] });
    } finally {
      server.offline = false;
    }

    server.resetStats();
    const repaired = await stipple(home, ['models', 'pull', url, '--quiet']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toBe('');
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/sd2/unet/model.onnx']);
    expect((await stipple(home, ['models', 'verify', url])).code).toBe(0);

    const removed = await stipple(home, ['models', 'rm', url]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await stipple(home, ['models', 'list'])).stdout).toBe(`No models in ${cacheRoot}.\n`);
    const again = await stipple(home, ['models', 'rm', url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not in the model cache/);
  });

  it('STIPPLE_CACHE_DIR wins over XDG_CACHE_HOME', async () => {
    const home = mkdtempSync(join(tmpdir(), 'stipple-home-'));
    const custom = join(home, 'custom');
    const r = await stipple(home, ['models', 'pull', `${server.url}/sd2`, '--quiet'], { STIPPLE_CACHE_DIR: custom });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith(custom)).toBe(true);
    expect(JSON.parse((await stipple(home, ['models', 'list', '--json'])).stdout).models).toEqual([]);
  });

  it('fails clearly, and changes nothing, for a bad command, a folder, an unknown word, or a server that is down', async () => {
    const home = mkdtempSync(join(tmpdir(), 'stipple-home-'));
    const cases: [string[], RegExp][] = [
      [['models', 'frob', 'x'], /is not a models command/],
      [['models', 'pull', SD], /is a folder/],
      [['models', 'verify', 'not-a-model'], /neither a model folder nor a preset\. Presets: tiny-sd/],
      [['models', 'path', 'tiny-sd'], /tiny-sd is not in the model cache/],
    ];
    for (const [args, message] of cases) {
      const r = await stipple(home, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    server.offline = true;
    try {
      const r = await stipple(home, ['models', 'pull', `${server.url}/sd2/`, '--quiet']);
      expect(r.code).toBe(1);
      // Discovery asks again (as downloads do) before it names a file the server refused.
      expect(r.stderr).toMatch(/stipple: .*HTTP 503/);
    } finally {
      server.offline = false;
    }
    expect(JSON.parse((await stipple(home, ['models', 'list', '--json'])).stdout).models).toEqual([]);
  });
});
