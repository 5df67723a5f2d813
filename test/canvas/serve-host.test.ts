/**
 * The dev servers refuse requests whose Host is not the loopback name they
 * bound: a DNS-rebinding page (evil.example resolving to 127.0.0.1) gets 403.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../plugins/canvas/serve.mjs';
import { startPanelServer } from '../../plugins/figma/serve.mjs';

function get(port: number, host: string | undefined, path = '/models/tiny-sd/sd/model_index.json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = host === undefined ? {} : { Host: host };
    const req = request({ host: '127.0.0.1', port, path, headers, setHost: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['canvas demo server', () => startDemoServer({ port: 0 })],
  ['Figma panel server', () => startPanelServer({ port: 0 })],
])('%s', (_name, start) => {
  let server: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  it('answers the loopback names it is reached by', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
      expect(await get(server.port, host), host).toBe(200);
    }
  });

  it('refuses another name, another port, or no Host at all', async () => {
    for (const host of [`evil.example:${server.port}`, 'evil.example', `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`]) {
      expect(await get(server.port, host), host).toBe(403);
    }
    // Node itself answers 400 to an HTTP/1.1 request without Host.
    expect([400, 403]).toContain(await get(server.port, undefined));
  });
});
