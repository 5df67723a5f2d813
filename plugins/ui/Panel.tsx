/**
 * The Stipple panel shared by every host: model, edit picker, prompts,
 * run/cancel with progress, results (variants, before/after, apply),
 * settings, mask settings and history.
 *
 * State lives in a {@link PanelState} (see `store.ts`, `usePanelStore`);
 * the host app runs edits and reports back through `dispatch`.
 */
import { useEffect, useId, useRef } from 'preact/hooks';
import type { RgbaImage } from '../../core/image';
import type { Operation } from '../../core/pipelines/request';
import { SCHEDULER_NAMES, type SchedulerName } from '../../core/schedulers/types';
import { Section } from './components/fields';
import { HistoryList } from './components/HistoryList';
import { MaskControls } from './components/MaskControls';
import { ModelManager, type ModelManagerProps } from './components/ModelManager';
import { OperationPicker } from './components/OperationPicker';
import { ParamControls } from './components/ParamControls';
import { ProgressView } from './components/ProgressView';
import { PromptFields, type TokenCounter } from './components/PromptFields';
import { ResultsView } from './components/ResultsView';
import { CANVAS_HINTS, type HostHints } from './hints';
import { presetFor } from './model-offer';
import { controlsFor, OPERATION_LABELS, validate } from './params';
import { isBusy, type HistoryEntry, type PanelAction, type PanelState } from './store';

export interface PanelProps {
  state: PanelState;
  dispatch(action: PanelAction): void;
  /** The edits the loaded model can run (empty: no model yet). */
  operations: readonly Operation[];
  /** The loaded model's tokenizer, for the token count (core's ClipTokenizer fits). */
  tokenizer?: TokenCounter | null;
  /** Schedulers to offer (default: all nine). */
  schedulers?: readonly SchedulerName[];
  /** The model's own scheduler, shown as "Model default (…)". */
  defaultScheduler?: string;
  model: ModelManagerProps;
  /** The images of the pending results, for the variant picker. */
  resultImages: readonly RgbaImage[];
  /** False when no mask is painted: masked edits explain what to do. */
  hasMask?: boolean;
  onRun(): void;
  onCancel(): void;
  onSelectVariant(index: number): void;
  onToggleView(): void;
  onApply(): void;
  onDiscard(): void;
  /** Show a history entry's images as the pending results again. */
  onShowHistory(entry: HistoryEntry): void;
  /** Heading of the panel (default "Stipple"). */
  title?: string;
  /** The size the model will run at, shown before Run (e.g. from `workingSizeLabel`). */
  workingSize?: string;
  /** The host's words for what the user does there (default: the canvas demo's). */
  hints?: Partial<HostHints>;
  /**
   * What the last Apply did ("Added “Stipple inpaint” above “Photo”."), shown
   * where the Apply button was; a new text moves focus to Run, for the next edit.
   */
  applied?: string | null;
}

export function Panel(props: PanelProps) {
  const { state, dispatch } = props;
  const runId = useId();
  const p = state.params;
  const busy = isBusy(state);
  const ready = props.model.status.state !== 'loading' && props.operations.length > 0;
  const problems = validate(p, props.operations);
  const needsMask = controlsFor(p.operation).maskRequired && props.hasMask === false;
  const canRun = ready && !busy && problems.length === 0 && !needsMask;
  const set = (patch: Partial<typeof p>): void => dispatch({ type: 'set', patch });
  const storedIds = props.model.cache?.models.map((m) => m.id) ?? [];
  const suggested = presetFor(p.operation, props.model.presets, { storedIds, ...(props.model.current && { currentTitle: props.model.current.title }) });
  const hints = { ...CANVAS_HINTS, ...props.hints };
  const run = (): void => {
    if (canRun) props.onRun();
  };
  const runButton = useRef<HTMLButtonElement>(null);
  // Apply removed the button that had focus: put it on Run, the next thing to do.
  useEffect(() => {
    if (props.applied) runButton.current?.focus();
  }, [props.applied]);
  return (
    <section class="stp-panel" aria-label={props.title ?? 'Stipple'}>
      <h2 class="stp-title">{props.title ?? 'Stipple'}</h2>

      <Section title={<>Model{props.model.current ? `: ${props.model.current.title}` : ''}</>} open={!props.model.current} class="stp-model-section">
        <ModelManager {...props.model} suggested={suggested?.id} />
      </Section>

      <OperationPicker
        value={p.operation}
        available={props.operations}
        onChange={(operation) => dispatch({ type: 'operation', operation })}
        disabled={busy}
        offer={
          suggested && props.model.status.state !== 'loading'
            ? {
                title: suggested.title,
                ...(suggested.bytes !== undefined && { bytes: suggested.bytes }),
                stored: storedIds.includes(suggested.id),
                onLoad: () => props.model.onLoadPreset(suggested.id),
              }
            : null
        }
      />

      <PromptFields
        prompt={p.prompt}
        negativePrompt={p.negativePrompt}
        promptLabel={controlsFor(p.operation).promptLabel}
        sourcePrompt={controlsFor(p.operation).sourcePrompt ? p.sourcePrompt : undefined}
        tokenizer={props.tokenizer}
        onChange={set}
        onSubmit={run}
      />

      <div class="stp-run">
        <button ref={runButton} type="button" class="stp-button stp-primary stp-run-button" onClick={run} disabled={!canRun} aria-describedby={`${runId}-why`}>
          {busy ? 'Running…' : `Run ${OPERATION_LABELS[p.operation]}`}
        </button>
        <p id={`${runId}-why`} class="stp-hint">
          {!ready
            ? props.model.status.state === 'loading'
              ? 'Loading the model…'
              : 'Load a model first.'
            : needsMask
              ? hints.needsMask
              : problems[0] ?? 'Ctrl+Enter in a prompt runs it too.'}
        </p>
        {ready && props.workingSize && <p class="stp-hint stp-working-size">{props.workingSize}</p>}
        {/* A mask left from an earlier edit silently limited SDEdit and InstructPix2Pix: say so on the edit. */}
        {props.hasMask === true && (p.operation === 'sdedit' || p.operation === 'pix2pix') && (
          <p class="stp-hint stp-warning stp-mask-limits">{hints.maskLimits}</p>
        )}
      </div>

      <ProgressView run={state.run} onCancel={props.onCancel} resultsPending={state.results !== null} />

      {props.applied && !state.results && !busy && (
        <p class="stp-applied" role="status">
          {props.applied}
        </p>
      )}

      {state.results && !busy && props.resultImages.length > 0 && (
        <ResultsView
          results={state.results}
          images={props.resultImages}
          onSelect={props.onSelectVariant}
          onToggleView={props.onToggleView}
          onApply={props.onApply}
          onDiscard={props.onDiscard}
        />
      )}

      <Section title="Settings" open>
        <ParamControls
          params={p}
          onChange={set}
          onRandomizeSeed={() => dispatch({ type: 'randomize-seed' })}
          schedulers={props.schedulers ?? SCHEDULER_NAMES}
          defaultScheduler={props.defaultScheduler}
        />
      </Section>

      <Section title="Mask">
        <MaskControls params={p} onChange={set} />
      </Section>

      <Section title={`History (${state.history.length})`} open={state.history.length > 0}>
        <HistoryList
          entries={state.history}
          busy={busy}
          onRestore={(e) => dispatch({ type: 'restore', id: e.id })}
          onShow={props.onShowHistory}
        />
      </Section>
    </section>
  );
}
