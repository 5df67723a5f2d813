/**
 * Short human-readable texts for the panel: durations, sizes, phases, token counts.
 */
import type { EditPhase } from '../../core/jobs/progress';

/** `850 ms`, `12 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `about 12 s left`; `less than a second left` under 1 s. */
export function formatEta(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return 'less than a second left';
  return `about ${formatDuration(ms)} left`;
}

/** `512 B`, `1.5 KB`, `3.2 MB`, `1.72 GB` (powers of 1024, as storage dialogs show). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

export const PHASE_LABELS: Readonly<Record<EditPhase, string>> = {
  'encode-text': 'Reading the prompt',
  'encode-image': 'Reading the image',
  'generate-mask': 'Finding what to change',
  invert: 'Inverting the image',
  denoise: 'Generating',
  decode: 'Decoding the result',
  composite: 'Blending into the image',
};

/** `12 / 75 tokens`. `max` is the text encoder's room (tokenizer maxLength - 2). */
export function formatTokens(numTokens: number, max: number): string {
  return `${numTokens} / ${max} tokens`;
}
