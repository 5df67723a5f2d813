import { describe, expect, it } from 'vitest';
import { History, type Command } from '../../adapters/canvas/history';

function counter(): { value: number; add(n: number, bytes?: number): Command } {
  const state = {
    value: 0,
    add(n: number, bytes = 0): Command {
      state.value += n;
      return { label: `add ${n}`, bytes, undo: () => (state.value -= n), redo: () => (state.value += n) };
    },
  };
  return state;
}

describe('History', () => {
  it('undoes and redoes in order, with labels', () => {
    const c = counter();
    const h = new History();
    expect(h.canUndo).toBe(false);
    expect(h.undo()).toBeUndefined();
    h.push(c.add(1));
    h.push(c.add(10));
    expect(c.value).toBe(11);
    expect(h.undoLabel).toBe('add 10');
    expect(h.undo()?.label).toBe('add 10');
    expect(c.value).toBe(1);
    expect(h.canRedo).toBe(true);
    expect(h.redoLabel).toBe('add 10');
    h.undo();
    expect(c.value).toBe(0);
    expect(h.canUndo).toBe(false);
    h.redo();
    h.redo();
    expect(c.value).toBe(11);
    expect(h.redo()).toBeUndefined();
  });

  it('forgets the redo side when a new change is made', () => {
    const c = counter();
    const h = new History();
    h.push(c.add(1));
    h.push(c.add(2));
    h.undo();
    h.push(c.add(5));
    expect(h.canRedo).toBe(false);
    expect(c.value).toBe(6);
    h.undo();
    h.undo();
    expect(c.value).toBe(0);
  });

  it('keeps at most `limit` entries and about `maxBytes`, dropping the oldest', () => {
    const c = counter();
    const h = new History({ limit: 3 });
    for (let i = 1; i <= 5; i++) h.push(c.add(i));
    expect(h.length).toBe(3);
    while (h.undo());
    expect(c.value).toBe(1 + 2); // 3, 4, 5 undone; 1 and 2 stay applied

    const b = new History({ maxBytes: 100 });
    b.push(c.add(1, 60));
    b.push(c.add(1, 60));
    expect(b.length).toBe(1);
    b.push(c.add(1, 500)); // the newest always stays
    expect(b.length).toBe(1);
    expect(b.bytes).toBe(500);
    b.clear();
    expect(b.canUndo || b.canRedo).toBe(false);
  });
});
