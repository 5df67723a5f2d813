/**
 * What the canvas host runs edits on: core's one engine interface, the
 * in-process `Editor` or the Worker client alike (see core/engine.ts).
 */
export type { EditEngine } from '../../core/engine';
