/**
 * The document follower (live mode for hosts we poll or that signal
 * changes), on a fake clock; and the Photopea follower on the emulator.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Mask, RgbaImage } from '../../core/image';
import { followDocument, type FollowState } from '../../core/live';
import { followPhotopea } from '../../adapters/photopea/live';
import { connect, emulator, pattern, rectSelection } from '../photopea/helpers';

const img = (v: number): RgbaImage => ({ width: 1, height: 1, data: new Uint8ClampedArray([v, v, v, 255]) });

describe('followDocument', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads and sends pixels only when the revision changed; pauses when hidden or without an image', async () => {
    vi.useFakeTimers();
    let revision: string | null = 'a';
    let shown = true;
    let reads = 0;
    const sent: number[] = [];
    const states: FollowState[] = [];
    const follower = followDocument({
      session: { update: (image) => sent.push(image.data[0]!) },
      revision: async () => revision,
      read: async () => ({ image: img(++reads) }),
      visible: () => shown,
      pollMs: 100,
      onState: (s) => states.push(s),
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([1]);
    await vi.advanceTimersByTimeAsync(500); // unchanged: no reads
    expect(reads).toBe(1);
    revision = 'b';
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([1, 2]);
    shown = false;
    revision = 'c';
    await vi.advanceTimersByTimeAsync(300);
    expect(reads).toBe(2);
    shown = true;
    revision = null;
    await vi.advanceTimersByTimeAsync(100);
    expect(follower.state).toBe('paused: no image');
    revision = 'c';
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([1, 2, 3]);
    expect(states).toEqual(['paused: panel hidden', 'paused: no image', 'following']);
    follower.stop();
    revision = 'd';
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads).toBe(3);
  });

  it('event-driven (pollMs 0): one check at a time, one more for events during it; reset() resends', async () => {
    let revision = 1;
    let reads = 0;
    let release: () => void = () => undefined;
    const sent: number[] = [];
    const follower = followDocument({
      session: { update: (image) => sent.push(image.data[0]!) },
      revision: async () => String(revision),
      read: () =>
        new Promise((resolve) => {
          reads++;
          release = () => resolve({ image: img(revision) });
        }),
      pollMs: 0,
    });
    const first = follower.check();
    await Promise.resolve();
    await Promise.resolve();
    revision = 2;
    void follower.check();
    void follower.check();
    expect(reads).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 0));
    release();
    await first;
    await new Promise((r) => setTimeout(r, 0));
    expect(reads).toBe(2);
    expect(sent).toEqual([2, 2]);
    await follower.check();
    expect(reads).toBe(2);
    follower.reset();
    const again = follower.check();
    await new Promise((r) => setTimeout(r, 0));
    release();
    await again;
    expect(reads).toBe(3);
    follower.stop();
  });
});

describe('followPhotopea (emulator)', () => {
  it('sends the document and its selection when the selection changes; pauses without a document or selection', async () => {
    const emu = emulator();
    const { doc, deliver } = connect(emu);
    const ping = setInterval(() => deliver('ping'), 1);
    const sent: { image: RgbaImage; mask?: Mask }[] = [];
    const states: FollowState[] = [];
    const follower = followPhotopea(doc, { update: (image, mask) => sent.push(mask ? { image, mask } : { image }) }, {
      needsSelection: true,
      pollMs: 0,
      visible: () => true,
      onState: (s) => states.push(s),
    });
    try {
      await follower.check();
      expect(follower.state).toBe('paused: no image'); // no document
      const open = (selection: Uint8Array | null): void =>
        emu.openDocument({ width: 32, height: 24, layers: [{ name: 'Photo', image: pattern(32, 24, 1) }], selection });
      open(null);
      await follower.check();
      expect(follower.state).toBe('paused: no image'); // nothing selected
      open(rectSelection(32, 24, { x: 4, y: 4, width: 8, height: 8 }));
      await follower.check();
      expect(follower.state).toBe('following');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.image.width).toBe(32);
      expect(sent[0]!.mask!.data[5 * 32 + 5]).toBe(1);
      expect(sent[0]!.mask!.data[20 * 32 + 20]).toBe(0);
      await follower.check(); // unchanged
      expect(sent).toHaveLength(1);
      open(rectSelection(32, 24, { x: 10, y: 10, width: 8, height: 8 }));
      await follower.check();
      expect(sent).toHaveLength(2);
      expect(sent[1]!.mask!.data[12 * 32 + 12]).toBe(1);
    } finally {
      follower.stop();
      clearInterval(ping);
    }
  });
  it('notices a brush stroke by its history state, and not its own reads (which leave history states too)', async () => {
    const emu = emulator({ historyStates: true });
    const { doc, deliver } = connect(emu);
    const ping = setInterval(() => deliver('ping'), 1);
    const sent: RgbaImage[] = [];
    const follower = followPhotopea(doc, { update: (image) => sent.push(image) }, { needsSelection: true, pollMs: 0, visible: () => true });
    try {
      emu.openDocument({ width: 16, height: 16, layers: [{ name: 'Photo', image: pattern(16, 16, 1) }], selection: rectSelection(16, 16, { x: 2, y: 2, width: 6, height: 6 }) });
      await follower.check();
      expect(sent).toHaveLength(1);
      // Reading the selection added a history state ("Stipple: read selection"): not a change.
      expect(emu.activeDocument.history.length).toBeGreaterThan(0);
      await follower.check();
      await follower.check();
      expect(sent).toHaveLength(1);
      // The designer paints: a new history state and new pixels.
      const d = emu.activeDocument;
      d.active!.image!.data.fill(200, 0, 64);
      d.record('Brush Tool');
      await follower.check();
      expect(sent).toHaveLength(2);
      expect(sent[1]!.data[0]).toBe(200);
    } finally {
      follower.stop();
      clearInterval(ping);
    }
  });
});
