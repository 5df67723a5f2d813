/** Builds the Photopea plugin page into `outdir` (default dist/photopea); resolves to the absolute folder. */
export function buildPhotopeaPlugin(options?: { outdir?: string; minify?: boolean; url?: string }): Promise<string>;
