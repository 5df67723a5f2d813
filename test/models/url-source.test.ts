/**
 * UrlSource against a real HTTP server on 127.0.0.1 serving the fixtures as a
 * static host would (the layout of a Hugging Face `resolve/<rev>/` URL).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../core/errors';
import { loadModelRepo, UrlSource } from '../../core/models';
import { createRuntime } from '../../core/runtime';
import { FIXTURES, GOLDEN, maxAbsDiff, readCase, readF32 } from '../runtime/helpers';

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname.startsWith('/status/')) {
      res.writeHead(Number(url.pathname.split('/')[2]));
      res.end('nope');
      return;
    }
    const file = normalize(join(FIXTURES, decodeURIComponent(url.pathname)));
    if (!file.startsWith(FIXTURES)) {
      res.writeHead(403).end();
      return;
    }
    stat(file).then(
      (st) => {
        if (!st.isFile()) throw new Error('not a file');
        res.writeHead(200, { 'Content-Length': st.size, 'Content-Type': 'application/octet-stream' });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end('Entry not found'),
    ).catch(() => res.writeHead(404).end('Entry not found'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('UrlSource over HTTP', () => {
  it('reads external data as bytes in Node (ORT-web takes strings as file paths there)', async () => {
    const repo = await loadModelRepo(new UrlSource(`${base}/variants/external-data/sd`), { largeFileBytes: 1 });
    const files = await repo.components.unet.load();
    expect(files.externalData?.[0]?.data).toBeInstanceOf(Uint8Array);
  });

  it('loads tiny-sd/sd and runs its text encoder', async () => {
    const repo = await loadModelRepo(new UrlSource(`${base}/tiny-sd/sd`));
    expect(repo.kind).toBe('plain');
    const c = readCase('sdedit_img2img');
    const te = await createRuntime().createTextEncoder(repo);
    const out = await te.encode([repo.tokenizer.encode(c['prompt'] as string).inputIds]);
    await te.release();
    expect(maxAbsDiff(out.data, readF32(`${GOLDEN}sdedit_img2img/prompt_embeds.bin`))).toBeLessThan(1e-4);
    // Existence checks use HEAD; only the text encoder's weights were downloaded.
    expect(requests).toContain('HEAD /tiny-sd/sd/unet/model.onnx');
    expect(requests).not.toContain('GET /tiny-sd/sd/unet/model.onnx');
    expect(requests).toContain('GET /tiny-sd/sd/text_encoder/model.onnx');
  });

  it('404 means "not there"; a folder that is not a repo names model_index.json', async () => {
    const source = new UrlSource(`${base}/tiny-sd/`);
    expect(await source.exists('model_index.json')).toBe(false);
    const err = await loadModelRepo(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('model_index.json');
    const missing = await source.readBytes('sd/unet/nope.onnx').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ModelFormatError);
    expect((missing as Error).message).toContain(`${base}/tiny-sd/sd/unet/nope.onnx`);
  });

  it('other HTTP errors are ModelFormatErrors naming the file and URL', async () => {
    const source = new UrlSource(`${base}/status/500/`);
    const err = await source.exists('model_index.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('model_index.json');
    expect((err as Error).message).toContain(`HTTP 500`);
    expect((err as Error).message).toContain(`${base}/status/500/model_index.json`);
    const gated = await new UrlSource(`${base}/status/401/`).readText('model_index.json').catch((e: unknown) => e);
    expect((gated as Error).message).toMatch(/gated.*token/);
  });

  it('network failures are ModelFormatErrors naming the URL', async () => {
    const source = new UrlSource('http://127.0.0.1:1/repo/');
    const err = await source.readText('model_index.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as Error).message).toContain('http://127.0.0.1:1/repo/model_index.json');
  });
});

describe('UrlSource with an injected fetch', () => {
  it('falls back to a one-byte GET when HEAD is not allowed', async () => {
    const seen: string[] = [];
    const fetchImpl = async (url: string, init?: RequestInit): Promise<Response> => {
      seen.push(`${init?.method ?? 'GET'} ${url} ${JSON.stringify(init?.headers ?? {})}`);
      if (init?.method === 'HEAD') return new Response(null, { status: 405 });
      return new Response('x', { status: 206 });
    };
    const source = new UrlSource('https://host.example/org/repo/resolve/main', fetchImpl);
    expect(source.description).toBe('https://host.example/org/repo/resolve/main/');
    expect(await source.exists('unet/model.onnx')).toBe(true);
    expect(seen).toEqual([
      'HEAD https://host.example/org/repo/resolve/main/unet/model.onnx {}',
      'GET https://host.example/org/repo/resolve/main/unet/model.onnx {"Range":"bytes=0-0"}',
    ]);
  });

  it('answers exists() from a known file list without asking the server (a local preset: no 404s in the console)', async () => {
    const asked: string[] = [];
    const src = new UrlSource('https://example.test/repo', async (url) => {
      asked.push(url);
      return new Response('{}');
    }, ['model_index.json', 'unet/model.onnx']);
    expect(await src.exists('unet/model.onnx')).toBe(true);
    expect(await src.exists('unet/model.onnx_data')).toBe(false);
    expect(asked).toEqual([]);
    // Reading still goes to the server.
    expect(await src.readText('model_index.json')).toBe('{}');
    expect(asked).toEqual(['https://example.test/repo/model_index.json']);
  });

  it('encodes path segments', () => {
    const source = new UrlSource('https://host.example/r/');
    expect(source.url('a b/c#d.json')).toBe('https://host.example/r/a%20b/c%23d.json');
  });
});
