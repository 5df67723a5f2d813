/** The pending results: variant picker, before/after toggle, apply and discard. */
import { useId } from 'preact/hooks';
import type { RgbaImage } from '../../../core/image';
import type { ResultsView as ResultsState } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

export function ResultsView(props: {
  results: ResultsState;
  images: readonly RgbaImage[];
  onSelect(i: number): void;
  onToggleView(): void;
  onApply(): void;
  onDiscard(): void;
}) {
  const id = useId();
  const r = props.results;
  return (
    <section class="stp-results" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Result</h3>
      {props.images.length > 1 && (
        <fieldset class="stp-variants">
          <legend>Variants</legend>
          <div class="stp-variant-list">
            {props.images.map((img, i) => (
              <label key={i} class="stp-variant">
                <input type="radio" name={`${id}-variant`} checked={r.selected === i} onChange={() => props.onSelect(i)} />
                <RgbaCanvas image={img} label={`Variant ${i + 1}`} class="stp-thumb" />
                <span aria-hidden="true">{i + 1}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div class="stp-row">
        <button type="button" class="stp-button" aria-pressed={r.view === 'before'} onClick={props.onToggleView} title="Compare with the image before the edit">
          Show before
        </button>
        <button type="button" class="stp-button stp-primary" onClick={props.onApply}>
          Apply{props.images.length > 1 ? ` variant ${r.selected + 1}` : ''}
        </button>
        <button type="button" class="stp-button" onClick={props.onDiscard}>
          Discard
        </button>
      </div>
    </section>
  );
}
