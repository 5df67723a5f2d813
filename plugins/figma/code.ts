/**
 * The plugin's main code, as Figma runs it (bundled to code.js by
 * build.mjs). `figma` and `__html__` are Figma's globals; they are declared
 * here, in this module only, so they never leak into the rest of the
 * project's type-check. Passing `figma: PluginAPI` where `FigmaApi` is
 * expected checks our API subset against @figma/plugin-typings.
 */
import type { PluginAPI } from '@figma/plugin-typings/plugin-api-standalone';
import { startStipple } from '../../adapters/figma/main';

declare const figma: PluginAPI;
declare const __html__: string;
/** Set by build.mjs from the panel URL (esbuild `define`). */
declare const STIPPLE_PANEL_ORIGIN: string;

startStipple(figma, { panelOrigin: STIPPLE_PANEL_ORIGIN, html: __html__ });
