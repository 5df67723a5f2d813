/**
 * The panel's engine line: where the model runs and why (core's backend
 * choice, with its reason), and a switch between automatic, WebGPU and WASM.
 * The panel remembers the switch (see backend-pref.ts) and reloads the model on it.
 */
import { useId } from 'preact/hooks';
import type { BackendChoice, BackendPreference } from '../../../core/runtime/backend';

export interface EngineLineProps {
  /** The loaded engine's choice; null before a model is loaded. */
  backend: BackendChoice | null;
  preference: BackendPreference;
  onChange(preference: BackendPreference): void;
  /** While a run or a load is in progress the backend cannot change. */
  disabled?: boolean;
}

const OPTIONS: readonly { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Automatic' },
  { value: 'webgpu', label: 'WebGPU (GPU)' },
  { value: 'wasm', label: 'WASM (CPU)' },
];

export function EngineLine(props: EngineLineProps) {
  const id = useId();
  return (
    <div class="stp-engine" data-testid="engine-line" data-backend={props.backend?.backend ?? ''}>
      <label for={id}>Engine</label>{' '}
      <select id={id} value={props.preference} disabled={props.disabled} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value as BackendPreference)}>
        {OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.backend && <span class="stp-hint"> {props.backend.reason}</span>}
    </div>
  );
}
