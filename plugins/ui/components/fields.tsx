/**
 * Small labelled form controls. Every control has a real <label>; numbers
 * get a slider for quick changes and a number box for exact values.
 */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

export interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange(value: number): void;
  /** A short explanation under the control (linked with aria-describedby). */
  hint?: string;
  /** Show a slider next to the number box (default true). */
  slider?: boolean;
  disabled?: boolean;
  /** Unit after the box, e.g. "px". */
  unit?: string;
  name?: string;
}

export function NumberField(props: NumberFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const { label, value, min, max, step, onChange, hint, slider = true, disabled, unit, name } = props;
  const read = (el: HTMLInputElement): void => {
    const v = el.valueAsNumber;
    if (Number.isFinite(v)) onChange(v);
  };
  return (
    <div class="stp-field stp-number">
      <label for={id}>{label}</label>
      <div class="stp-number-row">
        {slider && (
          <input
            type="range"
            aria-hidden="true"
            tabIndex={-1}
            min={min}
            max={max}
            step={step}
            value={Math.min(max, Math.max(min, value))}
            disabled={disabled}
            onInput={(e) => read(e.currentTarget)}
          />
        )}
        <input
          id={id}
          name={name}
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          value={Number.isFinite(value) ? value : ''}
          disabled={disabled}
          aria-describedby={hint ? hintId : undefined}
          onInput={(e) => read(e.currentTarget)}
        />
        {unit && <span class="stp-unit">{unit}</span>}
      </div>
      {hint && (
        <p id={hintId} class="stp-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange(value: T): void;
  hint?: string;
  disabled?: boolean;
  name?: string;
}

export function SelectField<T extends string>(props: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div class="stp-field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.hint && (
        <p id={`${id}-hint`} class="stp-hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function CheckboxField(props: { label: string; checked: boolean; onChange(v: boolean): void; hint?: string; disabled?: boolean; name?: string }) {
  const id = useId();
  return (
    <div class="stp-field stp-check">
      <input
        id={id}
        type="checkbox"
        name={props.name}
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p id={`${id}-hint`} class="stp-hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A collapsible group (native <details>: keyboard and screen-reader friendly). */
export function Section(props: { title: ComponentChildren; open?: boolean; children: ComponentChildren; class?: string }) {
  return (
    <details class={`stp-section ${props.class ?? ''}`} open={props.open}>
      <summary>{props.title}</summary>
      <div class="stp-section-body">{props.children}</div>
    </details>
  );
}
