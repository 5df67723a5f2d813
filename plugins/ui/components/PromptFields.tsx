/** Prompt and negative prompt, each with a live token count and a truncation warning. */
import { useId, useMemo } from 'preact/hooks';
import { formatTokens } from '../format';

/** The part of core's ClipTokenizer the panel needs. */
export interface TokenCounter {
  readonly maxLength: number;
  encode(text: string): { numTokens: number; truncated: boolean };
}

function PromptField(props: {
  label: string;
  value: string;
  onChange(v: string): void;
  tokenizer: TokenCounter | null | undefined;
  placeholder?: string;
  onSubmit?: () => void;
  name: string;
  rows?: number;
}) {
  const id = useId();
  const count = useMemo(() => {
    if (!props.tokenizer) return null;
    try {
      return props.tokenizer.encode(props.value);
    } catch {
      return null;
    }
  }, [props.tokenizer, props.value]);
  const room = props.tokenizer ? props.tokenizer.maxLength - 2 : 0;
  return (
    <div class="stp-field stp-prompt">
      <div class="stp-label-row">
        <label for={id}>{props.label}</label>
        {count && (
          <span id={`${id}-count`} class={`stp-count${count.truncated ? ' stp-over' : ''}`}>
            {formatTokens(count.numTokens, room)}
          </span>
        )}
      </div>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        value={props.value}
        placeholder={props.placeholder}
        aria-describedby={count ? `${id}-count${count.truncated ? ` ${id}-warn` : ''}` : undefined}
        aria-invalid={count?.truncated ? true : undefined}
        onInput={(e) => props.onChange(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && props.onSubmit) {
            e.preventDefault();
            props.onSubmit();
          }
        }}
      />
      {count?.truncated && (
        <p id={`${id}-warn`} class="stp-hint stp-warning" role="status">
          Too long: only the first {room} tokens are used, the rest is ignored.
        </p>
      )}
    </div>
  );
}

export function PromptFields(props: {
  prompt: string;
  negativePrompt: string;
  promptLabel: string;
  /** DiffEdit's "what the image shows now"; the field is shown only when defined. */
  sourcePrompt?: string;
  onChange(patch: { prompt?: string; negativePrompt?: string; sourcePrompt?: string }): void;
  tokenizer?: TokenCounter | null;
  onSubmit?: () => void;
}) {
  return (
    <div class="stp-prompts">
      {props.sourcePrompt !== undefined && (
        <PromptField
          label="What the image shows"
          name="source-prompt"
          rows={2}
          value={props.sourcePrompt}
          tokenizer={props.tokenizer}
          placeholder="a bowl of fruit"
          onChange={(sourcePrompt) => props.onChange({ sourcePrompt })}
          onSubmit={props.onSubmit}
        />
      )}
      <PromptField
        label={props.promptLabel}
        name="prompt"
        value={props.prompt}
        tokenizer={props.tokenizer}
        placeholder={props.promptLabel === 'Instruction' ? 'make it a winter scene' : props.sourcePrompt !== undefined ? 'a bowl of pears' : 'a red fox sitting in the snow'}
        onChange={(prompt) => props.onChange({ prompt })}
        onSubmit={props.onSubmit}
      />
      <PromptField
        label="Negative prompt"
        name="negative-prompt"
        rows={2}
        value={props.negativePrompt}
        tokenizer={props.tokenizer}
        placeholder="blurry, low quality"
        onChange={(negativePrompt) => props.onChange({ negativePrompt })}
        onSubmit={props.onSubmit}
      />
    </div>
  );
}
