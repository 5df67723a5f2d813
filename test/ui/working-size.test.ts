/** The panels' resolution: the image's own size up to the native area, 'native' above; the label shown before Run. */
import { describe, expect, it } from 'vitest';
import { toRequest, defaultParams } from '../../plugins/ui/params';
import { panelResolution, workingSizeLabel } from '../../plugins/ui/working-size';

const SD15 = { vaeScaleFactor: 8, nativeMultiple: 64, nativePixels: 512 * 512 };

describe('panel resolution', () => {
  it("uses 'input' up to the native area and 'native' above it", () => {
    expect(panelResolution(512, 512, SD15)).toBe('input');
    expect(panelResolution(768, 512, SD15)).toBe('native');
    expect(toRequest(defaultParams('sdedit', 1), { width: 3000, height: 2000, sizes: SD15 }).resolution).toBe('native');
    expect(toRequest(defaultParams('sdedit', 1)).resolution).toBeUndefined();
  });

  it('says the working size before Run', () => {
    expect(workingSizeLabel(512, 384, SD15)).toBe('Runs at 512x384 px.');
    expect(workingSizeLabel(3000, 2000, SD15)).toMatch(/^Runs at \d+x\d+ px, scaled back to 3000x2000\.$/);
    expect(workingSizeLabel(0, 10, SD15)).toBe('');
  });
});
