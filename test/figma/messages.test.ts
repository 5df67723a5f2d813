/**
 * The typed messages between the main code and the panel: well-formed ones
 * pass, anything else (wrong channel, unknown type, wrong payload) is null;
 * `emit` / `on` deliver by type.
 */
import { describe, expect, it } from 'vitest';
import { Channel, CHANNEL, message, parseMainMessage, parsePanelMessage, resultName, type MainToPanel, type Message, type PanelToMain } from '../../adapters/figma/messages';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

describe('parsePanelMessage', () => {
  it('accepts each panel message', () => {
    expect(parsePanelMessage(message<PanelToMain, 'ready'>('ready', { version: 1 }))).not.toBeNull();
    expect(parsePanelMessage(message<PanelToMain, 'read-selection'>('read-selection', { requestId: 1, targetPixels: 4096 }))).not.toBeNull();
    expect(parsePanelMessage(message<PanelToMain, 'write-result'>('write-result', { requestId: 2, sourceId: '1:2', png, operation: 'inpaint', seed: 42 }))).not.toBeNull();
    expect(parsePanelMessage(message<PanelToMain, 'notify'>('notify', { message: 'hi' }))).not.toBeNull();
  });

  it('refuses foreign and malformed messages', () => {
    const bad: unknown[] = [
      null,
      'ready',
      { type: 'ready', payload: { version: 1 } },
      { channel: 'other', type: 'ready', payload: { version: 1 } },
      { channel: CHANNEL, type: 'toString', payload: {} },
      { channel: CHANNEL, type: 'read-selection', payload: { requestId: 'x' } },
      { channel: CHANNEL, type: 'read-selection', payload: { requestId: 1, scale: -2 } },
      { channel: CHANNEL, type: 'write-result', payload: { requestId: 1, sourceId: '1:2', png: [1, 2], operation: 'inpaint', seed: 1 } },
      { channel: CHANNEL, type: 'write-result', payload: { requestId: 1, sourceId: '1:2', png, operation: 'outpaint', seed: 1 } },
      { channel: CHANNEL, type: 'write-result', payload: { requestId: 1, sourceId: '1:2', png, operation: 'inpaint', seed: 1.5 } },
      { channel: CHANNEL, type: 'hello', payload: { version: 1, selection: { ok: false, problem: 'x', message: '' } } },
    ];
    for (const x of bad) expect(parsePanelMessage(x)).toBeNull();
  });
});

describe('parseMainMessage', () => {
  it('accepts main messages and checks selections and pixels', () => {
    const source: MainToPanel['source'] = {
      requestId: 3,
      source: { id: '1:2', name: 'Photo', width: 10, height: 10, transform: [[1, 0, 0], [0, 1, 0]], box: { x: 0, y: 0, width: 10, height: 10 }, png, scale: 1 },
      masks: [{ id: '1:3', name: 'Mask', box: { x: 1, y: 1, width: 2, height: 2 }, png }],
      operations: ['inpaint', 'sdedit'],
      notices: [],
    };
    expect(parseMainMessage(message<MainToPanel, 'source'>('source', source))).not.toBeNull();
    expect(parseMainMessage(message<MainToPanel, 'source'>('source', { ...source, masks: [{ ...source.masks[0]!, png: 'x' as never }] }))).toBeNull();
    expect(
      parseMainMessage(message<MainToPanel, 'selection'>('selection', { ok: false, problem: 'nothing-selected', message: 'Select an image.' })),
    ).not.toBeNull();
    expect(parseMainMessage(message<MainToPanel, 'failed'>('failed', { requestId: null, code: 'busy', message: 'x' }))).not.toBeNull();
    expect(parseMainMessage(message<MainToPanel, 'failed'>('failed', { requestId: null, code: 'nope' as never, message: 'x' }))).toBeNull();
  });
});

describe('Channel', () => {
  it('emits typed messages and routes received ones by type', () => {
    const sent: Message<PanelToMain>[] = [];
    const ch = new Channel<MainToPanel, PanelToMain>((m) => sent.push(m));
    ch.emit('notify', { message: 'hello' });
    expect(sent).toEqual([{ channel: CHANNEL, type: 'notify', payload: { message: 'hello' } }]);
    const got: string[] = [];
    const off = ch.on('written', (p) => got.push(p.name));
    ch.receive(message<MainToPanel, 'written'>('written', { requestId: 1, nodeId: '1:9', name: 'A', notices: [] }) as Message<MainToPanel>);
    off();
    ch.receive(message<MainToPanel, 'written'>('written', { requestId: 2, nodeId: '1:9', name: 'B', notices: [] }) as Message<MainToPanel>);
    expect(got).toEqual(['A']);
  });
});

describe('resultName', () => {
  it('names a result after the edit and its seed', () => {
    expect(resultName('inpaint', 42)).toBe('Stipple inpaint · seed 42');
    expect(resultName('pix2pix', 7, 2, 4)).toBe('Stipple pix2pix · seed 7 · 2 of 4');
    expect(resultName('sdedit', null)).toBe('Stipple sdedit · replayed noise');
  });
});
