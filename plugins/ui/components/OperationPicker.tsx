/** The four edits as a radio group; edits the model cannot run are disabled, with the reason. */
import { useId } from 'preact/hooks';
import { OPERATIONS, type Operation } from '../../../core/pipelines/request';
import { formatBytes } from '../format';
import { KIND_FOR_OPERATION, KIND_NEEDS } from '../model-offer';
import { OPERATION_HINTS, OPERATION_LABELS } from '../params';

/** A model that runs the picked edit, loaded in one click. */
export interface ModelOffer {
  title: string;
  bytes?: number;
  /** Already in this browser's storage: loads without a download. */
  stored?: boolean;
  onLoad(): void;
}

export function OperationPicker(props: {
  value: Operation;
  available: readonly Operation[];
  onChange(op: Operation): void;
  disabled?: boolean;
  /** Offered when the loaded model cannot run the picked edit. */
  offer?: ModelOffer | null;
}) {
  const id = useId();
  const unavailable = props.available.length > 0 && !props.available.includes(props.value);
  return (
    <fieldset class="stp-ops" disabled={props.disabled}>
      <legend>Edit</legend>
      <div class="stp-segmented">
        {OPERATIONS.map((op) => {
          const can = props.available.length === 0 || props.available.includes(op);
          return (
            <label key={op} class={`stp-seg${can ? '' : ' stp-unavailable'}`} title={can ? OPERATION_HINTS[op] : `${OPERATION_HINTS[op]} Not possible with the loaded model.`}>
              <input
                type="radio"
                name={`${id}-op`}
                value={op}
                checked={props.value === op}
                onChange={() => props.onChange(op)}
                aria-describedby={`${id}-hint`}
              />
              <span>
                {OPERATION_LABELS[op]}
                {!can && <span class="stp-sr"> (needs another model)</span>}
              </span>
            </label>
          );
        })}
      </div>
      <p id={`${id}-hint`} class={`stp-hint${unavailable ? ' stp-warning' : ''}`}>
        {OPERATION_HINTS[props.value]}
        {unavailable &&
          (props.offer
            ? ` ${OPERATION_LABELS[props.value]} needs ${KIND_NEEDS[KIND_FOR_OPERATION[props.value]] ?? 'another model'}; the loaded one cannot do it.`
            : ` The loaded model cannot do this: use ${props.available.map((o) => OPERATION_LABELS[o]).join(' or ')}.`)}
      </p>
      {unavailable && props.offer && (
        <button type="button" class="stp-button stp-primary stp-offer" onClick={props.offer.onLoad}>
          Load {props.offer.title}
          {props.offer.stored ? ' (stored)' : props.offer.bytes ? ` (${formatBytes(props.offer.bytes)})` : ''}
        </button>
      )}
    </fieldset>
  );
}
