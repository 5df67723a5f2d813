/**
 * The live-messaging client: a FIFO of scripts each closed by its own
 * "done", replies collected, readiness, timeouts with a message for the
 * designer, and only Photopea's own messages accepted.
 */
import { describe, expect, it } from 'vitest';
import { isPhotopeaError, PhotopeaError, PhotopeaTimeoutError } from '../../adapters/photopea/errors';
import { PhotopeaClient } from '../../adapters/photopea/protocol';
import { ECHO_PREFIX, parseEchoes } from '../../adapters/photopea/script';
import { connect, emulator, fakeWindows, PHOTOPEA } from './helpers';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fake Photopea that answers each script with `answer(script)`, then "done". */
function fakePhotopea(answer: (script: string) => unknown[] = () => [], options: ConstructorParameters<typeof PhotopeaClient>[2] = {}) {
  const w = fakeWindows();
  const scripts: string[] = [];
  w.onPost((m) => {
    const s = String(m);
    scripts.push(s);
    const marker = /^app\.echoToOE\("(\\u0001stipple:begin:[^"]+)"\);$/.exec(s);
    if (marker) {
      w.deliver(JSON.parse(`"${marker[1]}"`));
      w.deliver('done');
      return;
    }
    for (const r of answer(s)) w.deliver(r);
    w.deliver('done');
  });
  const client = new PhotopeaClient(w.parent, w.events, { probeAfterMs: 30, ...options });
  return { ...w, client, scripts: () => scripts.filter((s) => !s.includes('stipple:begin:')) };
}

describe('PhotopeaClient', () => {
  it('waits for the initial "done", then runs scripts in order, each with its own replies', async () => {
    const p = fakePhotopea((s) => [`echo ${s}`, new Uint8Array([s.length]).buffer], { probeAfterMs: 10_000 });
    const a = p.client.run('A');
    const b = p.client.run('BB');
    const c = p.client.run('CCC');
    await tick(20);
    expect(p.sent).toHaveLength(0); // nothing before Photopea is ready
    p.deliver('done');
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(ra.strings).toEqual(['echo A']);
    expect(rb.strings).toEqual(['echo BB']);
    expect(rc.strings).toEqual(['echo CCC']);
    expect(rc.buffers.map((x) => new Uint8Array(x)[0])).toEqual([3]);
    expect(p.scripts()).toEqual(['A', 'BB', 'CCC']);
    // After the first accepted message, scripts go to Photopea's origin, not '*'.
    expect(p.sent.slice(2).every((m) => m.origin === PHOTOPEA)).toBe(true);
  });

  it('asks with a probe when the initial "done" was missed', async () => {
    const p = fakePhotopea((s) => [`ok ${s}`]);
    const r = await p.client.run('X');
    expect(r.strings).toEqual(['ok X']);
    expect(p.client.isReady).toBe(true);
    expect(p.scripts()).toEqual(['app.echoToOE("");', 'X']);
  });

  it('times out with a message when Photopea never answers', async () => {
    const w = fakeWindows();
    const client = new PhotopeaClient(w.parent, w.events, { readyTimeoutMs: 80, probeAfterMs: 20 });
    const err = await client.run('app.echoToOE("x");').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhotopeaTimeoutError);
    expect((err as PhotopeaError).code).toBe('TIMEOUT');
    expect((err as Error).message).toMatch(/Photopea did not answer within 0\.1 s\. Open this panel from inside Photopea \(Window > Plugins\)/);
    // The user data was never posted, only the harmless probe.
    expect(w.sent.map((m) => m.message).filter((m) => !String(m).includes('stipple:begin'))).toEqual(['app.echoToOE("");']);
  });

  it('a script that takes too long fails alone; its late replies do not leak into the next one', async () => {
    const w = fakeWindows();
    let slow: (() => void) | null = null;
    w.onPost((m) => {
      const s = String(m);
      const marker = /^app\.echoToOE\("(\\u0001stipple:begin:[^"]+)"\);$/.exec(s);
      const answer = (): void => {
        if (marker) w.deliver(JSON.parse(`"${marker[1]}"`));
        else w.deliver(`reply to ${s}`);
        w.deliver('done');
      };
      // Photopea handles messages in order: everything after SLOW waits for it.
      if (slow || s === 'SLOW') {
        const prev = slow;
        slow = () => {
          prev?.();
          answer();
        };
      } else answer();
    });
    const client = new PhotopeaClient(w.parent, w.events, { timeoutMs: 60 });
    w.deliver('done');
    const first = client.run('SLOW').catch((e: unknown) => e);
    const second = client.run('FAST', { timeoutMs: 2000 });
    const err = await first;
    expect(isPhotopeaError(err, 'TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/did not finish within 0\.1 s/);
    slow!(); // now Photopea catches up: SLOW's reply and "done" arrive first
    const r = await second;
    expect(r.strings).toEqual(['reply to FAST']);
    expect(client.ignoredMessages).toBeGreaterThanOrEqual(2);
  });

  it('ignores messages from other windows, other origins, and unsolicited ones', async () => {
    const w = fakeWindows();
    let marker = '';
    w.onPost((m) => {
      const found = /^app\.echoToOE\("(\\u0001stipple:begin:[^"]+)"\);$/.exec(String(m));
      if (found) marker = JSON.parse(`"${found[1]}"`);
    });
    const client = new PhotopeaClient(w.parent, w.events);
    w.deliver('ping'); // unsolicited, before anything is asked
    w.deliver('done');
    const run = client.run('S');
    await tick(10);
    // Forged answers: wrong source, wrong origin.
    w.deliver(marker, PHOTOPEA, {});
    w.deliver(marker, 'https://evil.example');
    w.deliver('done', 'https://evil.example');
    w.deliver({ type: 'ping' });
    w.deliver('done'); // stale "done" before the marker: not ours
    await tick(10);
    let settled = false;
    void run.then(() => (settled = true));
    await tick(10);
    expect(settled).toBe(false);
    w.deliver(marker);
    w.deliver('done');
    w.deliver('ping');
    w.deliver(`${ECHO_PREFIX}info:{"a":1}`);
    w.deliver(new Uint8Array([9]).buffer);
    w.deliver({ not: 'a string or a file' });
    w.deliver('done');
    const r = await run;
    expect(r.strings).toEqual(['ping', `${ECHO_PREFIX}info:{"a":1}`]);
    expect(parseEchoes(r.strings).get('info')).toEqual([{ a: 1 }]); // the ping is not an echo of ours
    expect(r.buffers).toHaveLength(1);
    expect(client.ignoredMessages).toBeGreaterThanOrEqual(6);
  });

  it('accepts origins it is told to', async () => {
    const w = fakeWindows();
    const client = new PhotopeaClient(w.parent, w.events, { origins: ['http://127.0.0.1:1234'], readyTimeoutMs: 100, probeAfterMs: 1000 });
    w.deliver('done'); // from www.photopea.com: not on the list
    await expect(client.ready()).rejects.toBeInstanceOf(PhotopeaTimeoutError);
    w.deliver('done', 'http://127.0.0.1:1234');
    await tick(5);
    await expect(client.ready()).resolves.toBeUndefined();
  });

  it('a late initial "done" does not close a script early', async () => {
    const emu = emulator();
    const w = fakeWindows();
    w.onPost((m) => void emu.receive(m, (r) => w.deliver(r)));
    const client = new PhotopeaClient(w.parent, w.events, { probeAfterMs: 10 });
    const r1 = client.run(`app.echoToOE("one");`);
    await tick(30); // the probe went out and was answered
    w.deliver('done'); // Photopea's initial "done", late
    const r2 = client.run(`app.echoToOE("two");`);
    expect((await r1).strings).toEqual(['one']);
    expect((await r2).strings).toEqual(['two']);
  });

  it('close() fails what is pending and queued', async () => {
    const w = fakeWindows();
    const client = new PhotopeaClient(w.parent, w.events);
    w.deliver('done');
    const a = client.run('A').catch((e: unknown) => e);
    const b = client.run('B').catch((e: unknown) => e);
    await tick(5);
    client.close();
    expect(isPhotopeaError(await a, 'CLOSED')).toBe(true);
    expect(isPhotopeaError(await b, 'CLOSED')).toBe(true);
    expect(w.listeners.size).toBe(0);
    expect(isPhotopeaError(await client.run('C').catch((e: unknown) => e), 'CLOSED')).toBe(true);
  });

  it('runs against the emulator, pings and all', async () => {
    const emu = emulator();
    const c = connect(emu);
    const r = await c.client.run('app.echoToOE("hi"); app.echoToOE(String(app.documents.length));');
    expect(r.strings).toEqual(['hi', '0']);
  });
});
