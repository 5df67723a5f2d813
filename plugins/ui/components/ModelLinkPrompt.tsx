/** Asks before loading a model named in the panel's `?model=` link (see ../model-link). */
export function ModelLinkPrompt(props: { question: string; onAccept(): void; onDecline(): void }) {
  return (
    <div class="stp-link-prompt" role="group" aria-label="Model from the link">
      <span>{props.question}</span>
      <button type="button" class="stp-button" onClick={props.onAccept}>
        Download
      </button>
      <button type="button" class="stp-button stp-small" onClick={props.onDecline}>
        Not now
      </button>
    </div>
  );
}
