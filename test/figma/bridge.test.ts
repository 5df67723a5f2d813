/**
 * The panel's bridge on its own: what it posts to Figma's frame (and to
 * which origin), what it accepts, and how requests end when Figma never
 * answers, the panel closes, or the page is not inside Figma at all.
 */
import { describe, expect, it } from 'vitest';
import { CHANNEL, message, PROTOCOL_VERSION, type MainToPanel } from '../../adapters/figma/messages';
import { FIGMA_ORIGIN, FigmaRequestError, PanelBridge, type BridgeWindow } from '../../adapters/figma/panel-bridge';

function fakeWindow() {
  const posted: { message: unknown; targetOrigin: string }[] = [];
  const listeners = new Set<(e: MessageEvent) => void>();
  const parent = { postMessage: (m: unknown, targetOrigin: string) => posted.push({ message: m, targetOrigin }) };
  const win: BridgeWindow = {
    parent,
    addEventListener: (_t, l) => listeners.add(l),
    removeEventListener: (_t, l) => listeners.delete(l),
  };
  const deliver = (data: unknown, origin = FIGMA_ORIGIN, source: unknown = parent): void => {
    for (const l of [...listeners]) l({ data, origin, source } as unknown as MessageEvent);
  };
  return { win, posted, deliver, listeners };
}

describe('PanelBridge', () => {
  it('posts { pluginMessage, pluginId: "*" } to Figma’s origin only', () => {
    const w = fakeWindow();
    new PanelBridge({ window: w.win }).ready();
    expect(w.posted).toEqual([{ message: { pluginMessage: { channel: CHANNEL, type: 'ready', payload: { version: PROTOCOL_VERSION } }, pluginId: '*' }, targetOrigin: FIGMA_ORIGIN }]);
  });

  it('accepts only well-formed messages from the parent frame on Figma’s origin', () => {
    const w = fakeWindow();
    const bridge = new PanelBridge({ window: w.win });
    const msg = message<MainToPanel, 'selection'>('selection', { ok: false, problem: 'nothing-selected', message: 'Select an image.' });
    w.deliver({ pluginMessage: msg }, 'https://evil.example');
    w.deliver({ pluginMessage: msg }, FIGMA_ORIGIN, {});
    w.deliver({ pluginMessage: { ...msg, channel: 'other' } });
    w.deliver(msg);
    expect(bridge.selection).toBeNull();
    w.deliver({ pluginMessage: msg });
    expect(bridge.selection).toMatchObject({ ok: false, problem: 'nothing-selected' });
  });

  it('matches answers to requests, and gives up after the timeout or on dispose', async () => {
    const w = fakeWindow();
    const bridge = new PanelBridge({ window: w.win, timeoutMs: 20 });
    const read = bridge.readSelection({ scale: 1 });
    const sent = (w.posted.at(-1)!.message as { pluginMessage: { payload: { requestId: number } } }).pluginMessage;
    w.deliver({ pluginMessage: message<MainToPanel, 'failed'>('failed', { requestId: sent.payload.requestId + 1, code: 'busy', message: 'not yours' }) });
    await expect(read).rejects.toMatchObject({ code: 'timeout' });
    const write = bridge.writeResult({ sourceId: '1:2', png: new Uint8Array(8), operation: 'inpaint', seed: 1 });
    bridge.dispose();
    await expect(write).rejects.toBeInstanceOf(FigmaRequestError);
    expect(w.listeners.size).toBe(0);
  });

  it('says so when the page is not inside Figma', () => {
    const w = fakeWindow();
    const top = { ...w.win } as { parent: unknown };
    top.parent = top;
    expect(() => new PanelBridge({ window: top as BridgeWindow }).ready()).toThrow(/not running inside Figma/);
  });
});
