/**
 * The state of the running (or last) edit: a progress bar with the step
 * count and ETA, the live preview, and the cancel button. Phase changes and
 * the outcome are announced through an aria-live region (not every step:
 * that would drown a screen reader).
 */
import { OPERATION_LABELS } from '../params';
import { formatDuration, formatEta, PHASE_LABELS } from '../format';
import type { RunState } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

export function ProgressView(props: { run: RunState; onCancel(): void; /** Results wait to be applied (default true). */ resultsPending?: boolean }) {
  const run = props.run;
  const active = run.status === 'running' || run.status === 'cancelling';
  return (
    <div class="stp-progress" data-status={run.status}>
      {active && (
        <div class="stp-progress-body">
          <div class="stp-progress-text">
            <span class="stp-phase">{run.status === 'cancelling' ? 'Cancelling…' : run.phase ? PHASE_LABELS[run.phase] : 'Starting…'}</span>
            <span class="stp-steps" data-testid="step-count">
              {run.total > 0 ? `Step ${run.step} of ${run.total}` : '\u00a0'}
              {run.total > 0 && run.etaMs !== null && Number.isFinite(run.etaMs) && run.step < run.total ? ` · ${formatEta(run.etaMs)}` : ''}
            </span>
          </div>
          <progress
            aria-label="Edit progress"
            max={run.total > 0 ? run.total : undefined}
            value={run.total > 0 ? run.step : undefined}
          />
          {/* Fixed-size slots: nothing moves while the edit runs (the Cancel button stays put). */}
          <div class="stp-progress-actions">
            <div class="stp-preview-slot">
              {run.preview && <RgbaCanvas image={run.preview} label="Live preview of the result" class="stp-preview" pixelated />}
            </div>
            <button type="button" class="stp-button stp-danger" onClick={props.onCancel} disabled={run.status === 'cancelling'}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <div class="stp-live" aria-live="polite" role="status">
        {run.status === 'running' && `${OPERATION_LABELS[run.operation]}: ${run.phase ? PHASE_LABELS[run.phase] : 'starting'}…`}
        {run.status === 'cancelling' && 'Cancelling…'}
        {run.status === 'done' && `Done in ${formatDuration(run.ms)}.${props.resultsPending === false ? '' : ' Pick a variant, compare, then apply it.'}`}
        {run.status === 'cancelled' && 'Cancelled. Nothing was changed.'}
      </div>
      {run.status === 'done' && run.warnings.length > 0 && (
        <ul class="stp-warnings" aria-label="Warnings">
          {run.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {run.status === 'error' && (
        <p class="stp-error" role="alert">
          {run.message}
        </p>
      )}
    </div>
  );
}
