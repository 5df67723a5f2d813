/** Builds the demo page into `outdir` (default dist/demo, relative to the repo root); resolves to the absolute folder. */
export function buildDemo(options?: { outdir?: string; minify?: boolean }): Promise<string>;
