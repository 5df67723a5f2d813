/** Finished edits with their parameters; each can be restored (settings, and its images as results). */
import { OPERATION_LABELS } from '../params';
import { formatDuration } from '../format';
import type { HistoryEntry } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

export function HistoryList(props: { entries: readonly HistoryEntry[]; onRestore(entry: HistoryEntry): void; onShow(entry: HistoryEntry): void; busy?: boolean }) {
  if (props.entries.length === 0) return <p class="stp-hint">Finished edits appear here with their settings, to restore later.</p>;
  return (
    <ol class="stp-history">
      {props.entries.map((e) => {
        const p = e.meta?.params;
        const summary = [
          OPERATION_LABELS[e.operation],
          `seed ${p?.seed ?? e.params.seed}`,
          `${p?.steps ?? e.params.steps} steps`,
          p?.scheduler ?? (e.params.scheduler || undefined),
          `${formatDuration(e.ms)}`,
        ]
          .filter(Boolean)
          .join(' · ');
        const prompt = p?.prompt ?? e.params.prompt;
        return (
          <li key={e.id} class="stp-history-item">
            {e.images[0] && <RgbaCanvas image={e.images[0]} label={`Result of ${OPERATION_LABELS[e.operation]}`} class="stp-thumb" />}
            <div class="stp-history-text">
              <p class="stp-history-prompt">{prompt ? `“${prompt}”` : '(no prompt)'}</p>
              <p class="stp-hint">{summary}</p>
              <div class="stp-row">
                <button type="button" class="stp-button stp-small" onClick={() => props.onRestore(e)} aria-label={`Restore the settings of ${summary}`}>
                  Restore settings
                </button>
                <button type="button" class="stp-button stp-small" onClick={() => props.onShow(e)} disabled={props.busy} aria-label={`Show the images of ${summary}`}>
                  Show result
                </button>
              </div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
