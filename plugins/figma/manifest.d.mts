import type { FigmaManifest } from './build.mjs';

export const DEV_PANEL_PORT: number;
export const DEV_PANEL_ORIGIN: string;
export const DEV_PANEL_URL: string;
export const HF_STORAGE_HOSTS: readonly string[];
export function isLocalOrigin(origin: string): boolean;
/** Checks a panel URL (https, or http://localhost) and returns its origin. */
export function panelOrigin(panelUrl: string): string;
/** Origins the model presets download from, plus Hugging Face's storage hosts. */
export function modelHosts(presets?: readonly { baseUrl?: string; files?: readonly { url?: string }[] }[]): string[];
export function createManifest(options: { panelUrl: string; id?: string; devOrigin?: string }): FigmaManifest;
