/**
 * Live mode's half in the main code: tells the panel when the selected
 * layers change, so that it re-reads them only then (no polling of pixels).
 *
 * Figma reports edits with `documentchange`. Under `documentAccess:
 * "dynamic-page"` (our manifest) it refuses that listener until
 * `figma.loadAllPagesAsync()` has finished, and loading every page can take
 * a while in a large file: so it is done once, when the designer first turns
 * Live on, never at start-up.
 *
 * A change counts when it is to a selected layer or to something inside one
 * (an export renders exactly those), when a node is deleted (a deleted node
 * no longer says where it was), or when a style changes (Figma does not
 * report the nodes a style change repaints). Counting one change too many
 * costs one live run; missing one leaves the live result stale.
 */
import type { FigmaApi, FigmaDocumentChange, FigmaDocumentChangeEvent } from './api';

export interface SelectionWatch {
  /** Starts reporting (loads every page first, once). */
  start(): Promise<void>;
  /** Stops reporting; `start()` resumes. */
  stop(): void;
  /** How many relevant changes were seen. */
  readonly revision: number;
}

/** Calls `changed(revision)` after each `documentchange` batch that touches the selection. */
export function watchSelection(figma: FigmaApi, changed: (revision: number) => void): SelectionWatch {
  let revision = 0;
  let loaded: Promise<void> | null = null;
  let listening = false;
  const onChange = (event: FigmaDocumentChangeEvent): void => {
    const selected = new Set(figma.currentPage.selection.map((n) => n.id));
    if (selected.size === 0 || !event.documentChanges.some((c) => touches(c, selected))) return;
    revision++;
    changed(revision);
  };
  return {
    get revision() {
      return revision;
    },
    async start() {
      loaded ??= figma.loadAllPagesAsync().catch((error: unknown) => {
        loaded = null; // tried again on the next start
        throw error;
      });
      await loaded;
      if (listening) return;
      figma.on('documentchange', onChange);
      listening = true;
    },
    stop() {
      if (!listening) return;
      figma.off('documentchange', onChange);
      listening = false;
    },
  };
}

function touches(change: FigmaDocumentChange, selected: ReadonlySet<string>): boolean {
  if (change.type.startsWith('STYLE_')) return change.type === 'STYLE_PROPERTY_CHANGE';
  if (change.type === 'DELETE' || selected.has(change.id)) return true;
  const node = change.node;
  if (!node || node.removed) return true;
  for (let p = node.parent; p; p = p.parent) if (selected.has(p.id)) return true;
  return false;
}
