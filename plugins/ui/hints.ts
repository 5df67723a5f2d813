/**
 * What the panel tells the user to do, in each host's own words: a mask is
 * painted in the canvas demo, a shape drawn over the image in Figma, a
 * selection made in Photopea. "Paint the area" means nothing in Figma.
 */
export interface HostHints {
  /** Why Run waits: the edit needs a mask and there is none. */
  needsMask: string;
}

export const CANVAS_HINTS: HostHints = {
  needsMask: 'Paint the area to change on the image first.',
};

export const FIGMA_HINTS: HostHints = {
  needsMask: 'Select an image and a shape drawn over the area to change.',
};

export const PHOTOPEA_HINTS: HostHints = {
  needsMask: 'Make a selection around the area to change first.',
};
