/**
 * What the panel tells the user to do, in each host's own words: a mask is
 * painted in the canvas demo, a shape drawn over the image in Figma, a
 * selection made in Photopea. "Paint the area" means nothing in Figma.
 */
export interface HostHints {
  /** Why Run waits: the edit needs a mask and there is none. */
  needsMask: string;
  /** SDEdit or InstructPix2Pix with a mask left from an earlier edit: it limits where they change the image. */
  maskLimits: string;
}

export const CANVAS_HINTS: HostHints = {
  needsMask: 'Paint the area to change on the image first.',
  maskLimits: 'Only the masked area will change: a mask is painted. Clear the mask to change the whole image.',
};

export const FIGMA_HINTS: HostHints = {
  needsMask: 'Select an image and a shape drawn over the area to change.',
  maskLimits: 'Only the area under the selected shape will change. Select just the image to change all of it.',
};

export const PHOTOPEA_HINTS: HostHints = {
  needsMask: 'Make a selection around the area to change first.',
  maskLimits: 'Only the selected area will change. Deselect (Ctrl+D) to change the whole image.',
};
