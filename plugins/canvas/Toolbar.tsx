/** The canvas tools: brush, eraser, rectangle, size, hardness, mask actions, undo/redo, export, open. */
import { useId } from 'preact/hooks';
import type { Tool, ToolSettings } from '../../adapters/canvas';

const TOOLS: readonly { tool: Tool; label: string; key: string }[] = [
  { tool: 'brush', label: 'Brush', key: 'B' },
  { tool: 'eraser', label: 'Eraser', key: 'E' },
  { tool: 'rect', label: 'Rectangle', key: 'R' },
];

export interface ToolbarProps {
  settings: ToolSettings;
  canUndo: boolean;
  canRedo: boolean;
  busy: boolean;
  onTool(tool: Tool): void;
  onSize(px: number): void;
  onHardness(h: number): void;
  onShowMask(show: boolean): void;
  onClear(): void;
  onInvert(): void;
  onSelectAll(): void;
  onUndo(): void;
  onRedo(): void;
  onExport(): void;
  onOpen(file: File): void;
}

export function Toolbar(props: ToolbarProps) {
  const id = useId();
  const s = props.settings;
  return (
    <div class="demo-toolbar" role="toolbar" aria-label="Mask tools">
      <fieldset class="demo-tools">
        <legend class="demo-sr">Tool</legend>
        {TOOLS.map((t) => (
          <label key={t.tool} class="demo-tool" title={`${t.label} (${t.key})`}>
            <input type="radio" name={`${id}-tool`} checked={s.tool === t.tool} onChange={() => props.onTool(t.tool)} />
            <span>{t.label}</span>
          </label>
        ))}
      </fieldset>
      <div class="demo-slider">
        <label for={`${id}-size`}>Size</label>
        <input id={`${id}-size`} type="range" min={1} max={128} value={s.brushSize} onInput={(e) => props.onSize(e.currentTarget.valueAsNumber)} aria-valuetext={`${s.brushSize} pixels`} />
        <output for={`${id}-size`}>{s.brushSize}px</output>
      </div>
      <div class="demo-slider">
        <label for={`${id}-hard`}>Hardness</label>
        <input
          id={`${id}-hard`}
          type="range"
          min={0}
          max={100}
          value={Math.round(s.hardness * 100)}
          onInput={(e) => props.onHardness(e.currentTarget.valueAsNumber / 100)}
          aria-valuetext={`${Math.round(s.hardness * 100)} percent`}
        />
        <output for={`${id}-hard`}>{Math.round(s.hardness * 100)}%</output>
      </div>
      <div class="demo-group">
        <button type="button" class="stp-button" onClick={props.onClear}>
          Clear
        </button>
        <button type="button" class="stp-button" onClick={props.onInvert}>
          Invert
        </button>
        <button type="button" class="stp-button" onClick={props.onSelectAll}>
          Select all
        </button>
        <label class="demo-check">
          <input type="checkbox" checked={s.showMask} onChange={(e) => props.onShowMask(e.currentTarget.checked)} /> Show mask
        </label>
      </div>
      <div class="demo-group">
        <button type="button" class="stp-button" onClick={props.onUndo} disabled={!props.canUndo} aria-keyshortcuts="Control+Z">
          Undo
        </button>
        <button type="button" class="stp-button" onClick={props.onRedo} disabled={!props.canRedo} aria-keyshortcuts="Control+Shift+Z">
          Redo
        </button>
        <button type="button" class="stp-button" onClick={props.onExport}>
          Export PNG
        </button>
        <label class="stp-button demo-open">
          Open image…
          <input
            type="file"
            accept="image/*"
            class="demo-sr"
            disabled={props.busy}
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) props.onOpen(f);
              e.currentTarget.value = '';
            }}
          />
        </label>
      </div>
    </div>
  );
}
