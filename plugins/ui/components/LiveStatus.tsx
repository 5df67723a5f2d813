/**
 * Live mode's strip in a host panel: the toggle, what live mode is doing
 * ("Updating…", "Up to date", or why it waits), the latest live result, and
 * Keep, which turns it into a normal result (variants, apply, undo).
 */
import type { FollowState } from '../../../core/live';
import type { LiveView } from '../live';
import { RgbaCanvas } from './RgbaCanvas';

export interface LiveStatusProps {
  live: LiveView;
  on: boolean;
  onToggle(on: boolean): void;
  /** Why Live cannot be turned on now (no model, an edit the model cannot run); null when it can. */
  unavailable: string | null;
  /** What to select for live mode to follow (host wording, e.g. “Select an image and a mask shape”). */
  selectHint: string;
  /** A normal run is going: Keep waits for it. */
  busy: boolean;
  onKeep(): void;
}

/** The status line: why it waits, or what the session is doing. */
export function liveLabel(live: Pick<LiveView, 'state' | 'follow'>, selectHint: string): string {
  const paused: Partial<Record<FollowState, string>> = {
    'paused: panel hidden': 'Paused while the panel is hidden',
    'paused: no image': `Paused: ${selectHint.charAt(0).toLowerCase()}${selectHint.slice(1)}`,
  };
  const reason = paused[live.follow];
  if (reason) return reason;
  switch (live.state) {
    case 'updating':
      return 'Updating…';
    case 'up to date':
      return 'Up to date';
    case 'error':
      return 'Live run failed';
    case 'idle':
      return 'Waiting for a change';
    default:
      return 'Off';
  }
}

export function LiveStatus(props: LiveStatusProps) {
  const { live, on } = props;
  const shown = on && live.latest;
  return (
    <section class="stp-live" aria-label="Live mode" data-testid="live">
      <div class="stp-row">
        <label class="stp-check">
          <input type="checkbox" checked={on} disabled={props.unavailable !== null} onChange={(e) => props.onToggle(e.currentTarget.checked)} /> Live
        </label>
        {on && (
          <>
            <span class="stp-live-state" data-testid="live-state" data-state={live.state} data-follow={live.follow} role="status" aria-live="polite">
              {liveLabel(live, props.selectHint)}
            </span>
            <button type="button" class="stp-button stp-small" onClick={props.onKeep} disabled={!live.latest || live.keeping || props.busy}>
              {live.keeping ? 'Keeping…' : 'Keep'}
            </button>
          </>
        )}
      </div>
      {props.unavailable && <p class="stp-hint">{props.unavailable}</p>}
      {on && live.error && (
        <p class="stp-error" role="alert">
          {live.error}
        </p>
      )}
      {shown && (
        <figure class="stp-live-result">
          <RgbaCanvas image={shown.image} label="Live result" />
          <figcaption class="stp-hint">Live result (not in the document until you Keep and apply it)</figcaption>
        </figure>
      )}
    </section>
  );
}
