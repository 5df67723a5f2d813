/** The plugin's ui.html: a bootstrap that sends Figma's null-origin iframe to the panel URL. */
export function bootstrapHtml(panelUrl: string): string;

/**
 * Builds the plugin folder (manifest.json, code.js, ui.html) and the panel page.
 * The panel URL defaults to STIPPLE_PANEL_URL, else the local dev server.
 */
export function buildFigmaPlugin(options?: {
  /** Default dist/figma-plugin (relative to the repo root). */
  outdir?: string;
  /** Default dist/figma-panel; null builds no panel. */
  panelOutdir?: string | null;
  panelUrl?: string;
  /** The plugin id in the manifest (Figma's numeric id once published). */
  id?: string;
  minify?: boolean;
  /** Copy onnxruntime-web's .wasm files to <panelOutdir>/ort/ (for hosting the panel anywhere). */
  copyOrt?: boolean;
}): Promise<{ outdir: string; panelOutdir: string | null; panelUrl: string; panelOrigin: string; manifest: FigmaManifest }>;

export interface FigmaManifest {
  name: string;
  id: string;
  api: string;
  main: string;
  ui: string;
  editorType: string[];
  documentAccess: string;
  networkAccess: { allowedDomains: string[]; reasoning: string; devAllowedDomains: string[] };
}
