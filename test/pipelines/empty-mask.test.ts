/**
 * Issue 13: sdedit with an all-black (empty) mask does what its note says:
 * the mask is ignored and the edit is the mask-free one, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { createMask } from '../../core/image';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { FIXTURES } from './golden';

let editor: Editor;
beforeAll(async () => {
  editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}/sd`) });
});
afterAll(() => editor.dispose());

describe('sdedit with an empty mask', () => {
  it('ignores the mask, says so, and equals the mask-free edit', async () => {
    const image = { width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 4).map((_, i) => (i * 37) & 255) };
    const req = { image, prompt: 'a fox', steps: 2, seed: 3 };
    const masked = await editor.edit('sdedit', { ...req, mask: createMask(32, 32) });
    const plain = await editor.edit('sdedit', req);
    expect(masked.warnings).toEqual([{ code: 'MASK_EMPTY', message: expect.stringMatching(/ignored: the whole image was edited/) }]);
    expect(masked.images[0]!.data).toEqual(plain.images[0]!.data);
    expect(masked.images[0]!.data).not.toEqual(image.data);
  });
});
