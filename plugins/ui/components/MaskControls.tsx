/** Mask feather and grow, "only masked" with its padding, and mask-edit's starting content. */
import type { MaskedContent } from '../../../core/pipelines/mask-edit';
import { controlsFor, MASKED_CONTENT_LABELS, type PanelParams } from '../params';
import { CheckboxField, NumberField, SelectField } from './fields';

export function MaskControls(props: { params: PanelParams; onChange(patch: Partial<PanelParams>): void }) {
  const p = props.params;
  const c = controlsFor(p.operation);
  return (
    <div class="stp-mask-params">
      {!c.maskRequired && <p class="stp-hint">For this edit the mask is optional: when painted, only the masked area changes.</p>}
      <NumberField label="Feather" unit="px" value={p.maskBlur} min={0} max={64} step={1} hint="Softens the seam between new and old pixels." onChange={(maskBlur) => props.onChange({ maskBlur })} />
      <NumberField label="Grow" unit="px" value={p.maskGrow} min={-64} max={64} step={1} hint="Grows (or, below 0, shrinks) the mask before the edit." onChange={(maskGrow) => props.onChange({ maskGrow })} />
      <CheckboxField
        label="Only masked area"
        checked={p.onlyMasked}
        hint="Edits a box around the mask at full model resolution: more detail for small areas."
        onChange={(onlyMasked) => props.onChange({ onlyMasked })}
      />
      <NumberField
        label="Padding"
        unit="px"
        value={p.onlyMaskedPadding}
        min={0}
        max={256}
        step={1}
        disabled={!p.onlyMasked}
        hint="Context around the mask for “Only masked area”."
        onChange={(onlyMaskedPadding) => props.onChange({ onlyMaskedPadding })}
      />
      {c.maskedContent && (
        <SelectField<MaskedContent>
          label="Masked area starts from"
          value={p.maskedContent}
          options={(Object.keys(MASKED_CONTENT_LABELS) as MaskedContent[]).map((v) => ({ value: v, label: MASKED_CONTENT_LABELS[v] }))}
          onChange={(maskedContent) => props.onChange({ maskedContent })}
        />
      )}
    </div>
  );
}
