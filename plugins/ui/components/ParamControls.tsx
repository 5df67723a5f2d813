/** Strength, guidance, image guidance, steps, seed (lock, randomize), scheduler and variants. */
import { useId } from 'preact/hooks';
import type { SchedulerName } from '../../../core/schedulers/types';
import { controlsFor, type PanelParams } from '../params';
import { CheckboxField, NumberField, SelectField } from './fields';

export function ParamControls(props: {
  params: PanelParams;
  onChange(patch: Partial<PanelParams>): void;
  onRandomizeSeed(): void;
  schedulers: readonly SchedulerName[];
  defaultScheduler?: string | undefined;
}) {
  const p = props.params;
  const c = controlsFor(p.operation);
  const seedId = useId();
  return (
    <div class="stp-params">
      {c.strength && (
        <NumberField
          label="Strength"
          value={p.strength}
          min={0.01}
          max={1}
          step={0.01}
          hint="How much may change: 1 repaints completely."
          onChange={(strength) => props.onChange({ strength })}
        />
      )}
      <NumberField
        label="Guidance"
        value={p.guidance}
        min={0}
        max={20}
        step={0.5}
        hint="How closely to follow the prompt (1 or less turns it off)."
        onChange={(guidance) => props.onChange({ guidance })}
      />
      {c.imageGuidance && (
        <NumberField
          label="Image guidance"
          value={p.imageGuidance}
          min={0}
          max={5}
          step={0.1}
          hint="How closely to stay with the original image."
          onChange={(imageGuidance) => props.onChange({ imageGuidance })}
        />
      )}
      {c.sourcePrompt && (
        <>
          <NumberField
            label="Area threshold"
            value={p.maskThreshold}
            min={0.1}
            max={10}
            step={0.1}
            hint="How different the two descriptions must look for a spot to change: lower marks more of the image."
            onChange={(maskThreshold) => props.onChange({ maskThreshold })}
          />
          <NumberField
            label="Area samples"
            value={p.maskMaps}
            min={1}
            max={64}
            step={1}
            hint="More samples find the area more steadily; each costs one model run."
            onChange={(maskMaps) => props.onChange({ maskMaps: Math.round(maskMaps) })}
          />
        </>
      )}
      <NumberField label="Steps" value={p.steps} min={1} max={150} step={1} onChange={(steps) => props.onChange({ steps: Math.round(steps) })} />
      <div class="stp-field stp-seed">
        <label for={seedId}>Seed</label>
        <div class="stp-number-row">
          <input
            id={seedId}
            type="number"
            name="seed"
            min={0}
            step={1}
            value={p.seed}
            aria-describedby={`${seedId}-hint`}
            onInput={(e) => {
              const v = e.currentTarget.valueAsNumber;
              if (Number.isSafeInteger(v) && v >= 0) props.onChange({ seed: v, seedLocked: true });
            }}
          />
          <button type="button" class="stp-button" onClick={props.onRandomizeSeed}>
            Randomize
          </button>
        </div>
        <CheckboxField label="Lock seed" checked={p.seedLocked} onChange={(seedLocked) => props.onChange({ seedLocked })} />
        <p id={`${seedId}-hint`} class="stp-hint">
          {p.seedLocked ? 'Every run uses this seed: same settings, same result.' : 'Each run draws a new seed; lock it to repeat a result.'}
        </p>
      </div>
      <SelectField<SchedulerName | ''>
        label="Scheduler"
        value={p.scheduler}
        options={[
          { value: '', label: `Model default${props.defaultScheduler ? ` (${props.defaultScheduler})` : ''}` },
          ...props.schedulers.map((s) => ({ value: s, label: s })),
        ]}
        onChange={(scheduler) => props.onChange({ scheduler })}
      />
      <NumberField label="Variants per run" value={p.count} min={1} max={8} step={1} hint="Images per run, to pick from." onChange={(count) => props.onChange({ count: Math.round(count) })} />
    </div>
  );
}
