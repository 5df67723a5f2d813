import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatEta, formatTokens } from '../../plugins/ui/format';

describe('panel texts', () => {
  it('formats durations and ETAs', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(-1)).toBe('—');
    expect(formatEta(400)).toBe('less than a second left');
    expect(formatEta(5000)).toBe('about 5 s left');
    expect(formatEta(NaN)).toBe('');
  });

  it('formats sizes and token counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KB');
    expect(formatBytes(6_448_512)).toBe('6.15 MB');
    expect(formatBytes(1.72 * 1024 ** 3)).toBe('1.72 GB');
    expect(formatBytes(250 * 1024 ** 2)).toBe('250 MB');
    expect(formatTokens(12, 75)).toBe('12 / 75 tokens');
  });
});
