/**
 * The panel's CSS, as a string so any host can use it without a CSS loader
 * (`injectPanelStyles()`). Light and dark themes follow
 * `prefers-color-scheme`; `data-theme="light|dark"` on the `.stp-theme`
 * element forces one (for hosts with their own theme switch). Text colours
 * keep at least 4.5:1 contrast against their backgrounds in both themes.
 */
export const PANEL_CSS = `
.stp-theme {
  --stp-bg: #ffffff;
  --stp-surface: #f3f4f6;
  --stp-fg: #17191c;
  --stp-muted: #4b5260;
  --stp-border: #858c98;
  --stp-accent: #0b57d0;
  --stp-accent-fg: #ffffff;
  --stp-danger: #b3261e;
  --stp-danger-bg: #fdecea;
  --stp-warn-bg: #fff4d6;
  --stp-warn-fg: #5c4300;
  --stp-focus: #0b57d0;
  --stp-input-bg: #ffffff;
  color-scheme: light;
  background: var(--stp-bg);
  color: var(--stp-fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
.stp-theme[data-theme="dark"] {
  --stp-bg: #1b1c1f;
  --stp-surface: #25272b;
  --stp-fg: #eceef1;
  --stp-muted: #b4bac4;
  --stp-border: #737b87;
  --stp-accent: #8ab4f8;
  --stp-accent-fg: #0a1f44;
  --stp-danger: #ffb4ab;
  --stp-danger-bg: #3b1512;
  --stp-warn-bg: #3a2f00;
  --stp-warn-fg: #ffe08a;
  --stp-focus: #8ab4f8;
  --stp-input-bg: #141517;
  color-scheme: dark;
}
@media (prefers-color-scheme: dark) {
  .stp-theme:not([data-theme="light"]) {
    --stp-bg: #1b1c1f;
    --stp-surface: #25272b;
    --stp-fg: #eceef1;
    --stp-muted: #b4bac4;
    --stp-border: #737b87;
    --stp-accent: #8ab4f8;
    --stp-accent-fg: #0a1f44;
    --stp-danger: #ffb4ab;
    --stp-danger-bg: #3b1512;
    --stp-warn-bg: #3a2f00;
    --stp-warn-fg: #ffe08a;
    --stp-focus: #8ab4f8;
    --stp-input-bg: #141517;
    color-scheme: dark;
  }
}
.stp-theme *, .stp-theme *::before, .stp-theme *::after { box-sizing: border-box; }
.stp-theme :focus-visible { outline: 2px solid var(--stp-focus); outline-offset: 2px; }
.stp-panel { display: flex; flex-direction: column; gap: 12px; padding: 12px; min-width: 0; }
.stp-title { font-size: 16px; margin: 0; }
.stp-panel h3 { font-size: 14px; margin: 0 0 6px; }
.stp-panel h4 { font-size: 13px; margin: 8px 0 4px; }
.stp-panel p { margin: 0; }
.stp-hint { color: var(--stp-muted); font-size: 12.5px; }
.stp-link-prompt { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 6px 0; }
.stp-block { display: block; }
.stp-sr { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.stp-warning { color: var(--stp-warn-fg); background: var(--stp-warn-bg); padding: 4px 6px; border-radius: 4px; }
.stp-error { color: var(--stp-danger); background: var(--stp-danger-bg); padding: 6px 8px; border-radius: 4px; }
.stp-field { display: flex; flex-direction: column; gap: 4px; }
.stp-field > label, .stp-label-row > label, .stp-panel legend { font-weight: 600; }
.stp-label-row { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.stp-count { color: var(--stp-muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
.stp-count.stp-over { color: var(--stp-danger); font-weight: 600; }
.stp-row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.stp-number-row { display: flex; gap: 8px; align-items: center; }
.stp-number-row input[type="range"] { flex: 1; min-width: 60px; accent-color: var(--stp-accent); }
.stp-number-row input[type="number"] { width: 88px; }
.stp-seed .stp-number-row input[type="number"] { width: auto; flex: 1; }
.stp-unit { color: var(--stp-muted); }
.stp-check { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 6px; }
.stp-check > label { font-weight: normal; }
.stp-check .stp-hint { flex-basis: 100%; }
.stp-theme input[type="text"], .stp-theme input[type="url"], .stp-theme input[type="number"], .stp-theme select, .stp-theme textarea {
  font: inherit; color: var(--stp-fg); background: var(--stp-input-bg);
  border: 1px solid var(--stp-border); border-radius: 6px; padding: 5px 8px; min-width: 0;
}
.stp-theme textarea { resize: vertical; width: 100%; }
.stp-theme textarea[aria-invalid="true"] { border-color: var(--stp-danger); }
.stp-theme input[type="url"] { flex: 1; }
.stp-theme input[type="checkbox"], .stp-theme input[type="radio"] { accent-color: var(--stp-accent); }
.stp-button {
  font: inherit; color: var(--stp-fg); background: var(--stp-surface);
  border: 1px solid var(--stp-border); border-radius: 6px; padding: 5px 12px; cursor: pointer;
}
.stp-button:hover:not(:disabled) { border-color: var(--stp-fg); }
.stp-button:disabled { opacity: 0.55; cursor: not-allowed; }
.stp-button.stp-primary { background: var(--stp-accent); border-color: var(--stp-accent); color: var(--stp-accent-fg); font-weight: 600; }
.stp-button.stp-danger { color: var(--stp-danger); border-color: var(--stp-danger); background: var(--stp-bg); }
.stp-button[aria-pressed="true"] { background: var(--stp-fg); color: var(--stp-bg); }
.stp-button.stp-small { padding: 2px 8px; font-size: 12.5px; }
.stp-run { display: flex; flex-direction: column; gap: 4px; }
.stp-run-button { padding: 8px 12px; font-size: 15px; }
.stp-panel fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
.stp-panel legend { padding: 0; margin-bottom: 4px; }
.stp-segmented { display: grid; grid-template-columns: repeat(2, 1fr); gap: 4px; }
.stp-seg { position: relative; display: flex; }
.stp-seg input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.stp-seg > span { flex: 1; text-align: center; padding: 6px 4px; border: 1px solid var(--stp-border); border-radius: 6px; background: var(--stp-surface); }
.stp-seg input:checked + span { background: var(--stp-accent); color: var(--stp-accent-fg); border-color: var(--stp-accent); font-weight: 600; }
.stp-seg input:focus-visible + span { outline: 2px solid var(--stp-focus); outline-offset: 2px; }
.stp-seg.stp-unavailable > span { border-style: dashed; color: var(--stp-muted); }
.stp-ops .stp-hint { margin-top: 4px; }
.stp-section { border: 1px solid var(--stp-border); border-radius: 8px; background: var(--stp-surface); }
.stp-section > summary { cursor: pointer; padding: 6px 10px; font-weight: 600; }
.stp-section-body { display: flex; flex-direction: column; gap: 10px; padding: 4px 10px 10px; }
.stp-progress { display: flex; flex-direction: column; gap: 6px; }
.stp-progress-body { display: flex; flex-direction: column; gap: 6px; padding: 8px; border: 1px solid var(--stp-border); border-radius: 8px; }
.stp-progress-text { display: flex; flex-direction: column; font-variant-numeric: tabular-nums; }
.stp-progress-text > span { min-height: 1.45em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stp-phase { font-weight: 600; }
.stp-progress progress { width: 100%; height: 10px; accent-color: var(--stp-accent); }
.stp-progress-actions { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.stp-preview-slot { width: 64px; height: 64px; flex: none; }
.stp-preview { width: 64px; height: 64px; border-radius: 4px; border: 1px solid var(--stp-border); }
.stp-pixelated { image-rendering: pixelated; }
.stp-live:empty { display: none; }
.stp-live { font-size: 13px; }
.stp-warnings { margin: 0; padding: 6px 8px 6px 24px; color: var(--stp-warn-fg); background: var(--stp-warn-bg); border-radius: 6px; font-size: 12.5px; }
.stp-results { display: flex; flex-direction: column; gap: 8px; padding: 8px; border: 1px solid var(--stp-accent); border-radius: 8px; }
.stp-variant-list { display: flex; gap: 6px; flex-wrap: wrap; }
.stp-variant { position: relative; display: flex; flex-direction: column; align-items: center; gap: 2px; cursor: pointer; font-size: 12px; }
.stp-variant input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.stp-thumb { width: 56px; height: 56px; object-fit: cover; border: 2px solid transparent; border-radius: 4px; background: var(--stp-surface); }
.stp-variant input:checked ~ .stp-thumb { border-color: var(--stp-accent); }
.stp-variant input:focus-visible ~ .stp-thumb { outline: 2px solid var(--stp-focus); outline-offset: 2px; }
.stp-history { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.stp-history-item { display: flex; gap: 8px; align-items: flex-start; }
.stp-history-text { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.stp-history-prompt { overflow-wrap: anywhere; }
.stp-models { display: flex; flex-direction: column; gap: 10px; }
.stp-models select { flex: 1; min-width: 0; }
.stp-loading { display: flex; flex-direction: column; gap: 4px; }
.stp-loading progress { width: 100%; }
.stp-cache ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
.stp-cache li { justify-content: space-between; }
.stp-confirm { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.stp-offer { align-self: flex-start; margin-top: 6px; max-width: 100%; white-space: normal; text-align: left; }
.stp-panel, .stp-panel * { overflow-wrap: anywhere; }
.stp-theme input[type="file"] { max-width: 100%; min-width: 0; }
.stp-theme input[type="url"] { min-width: 0; }
.stp-folder-drop { border-radius: 6px; }
.stp-applied { padding: 6px 8px; border: 1px solid var(--stp-accent); border-radius: 8px; }
.stp-live { display: flex; flex-direction: column; gap: 6px; padding: 8px 12px 0; }
.stp-live-state { font-size: 12.5px; padding: 1px 8px; border-radius: 999px; background: var(--stp-warn-bg); color: var(--stp-warn-fg); }
.stp-live-state[data-state="up to date"]:not([data-follow^="paused"]) { background: var(--stp-accent); color: var(--stp-accent-fg); }
.stp-live-result { margin: 0; display: flex; flex-direction: column; gap: 4px; align-items: flex-start; }
.stp-live-result canvas { width: 192px; max-width: 100%; height: auto; border-radius: 6px; border: 1px solid var(--stp-border); }
`;

/** Adds {@link PANEL_CSS} to `doc` once (a <style data-stipple-panel> in <head>). */
export function injectPanelStyles(doc: Document = document): void {
  if (doc.querySelector('style[data-stipple-panel]')) return;
  const style = doc.createElement('style');
  style.dataset['stipplePanel'] = '';
  style.textContent = PANEL_CSS;
  doc.head.append(style);
}
