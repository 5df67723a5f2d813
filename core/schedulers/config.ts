/**
 * Config resolution and validation, diffusers style.
 *
 * diffusers builds a scheduler with `<Class>.from_config(repoConfig, **overrides)`: the class'
 * `__init__` defaults, overwritten by the repo's `scheduler_config.json` (whatever class wrote
 * it), overwritten by the keyword overrides. Keys of the repo config that the class does not
 * know are kept in the resolved config but ignored (e.g. `skip_prk_steps` in a DDIM config built
 * from the SD 1.5 PNDM config). We do the same, and validate every key the class does use so a
 * config asking for something we do not implement fails loudly instead of running differently.
 *
 * @internal
 */
import { SchedulerConfigError } from '../errors';
import type { BetaParams, BetaSchedule } from './betas';

/** A resolved, diffusers-style scheduler config (snake_case keys). */
export type SchedulerConfig = Record<string, unknown>;

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

/**
 * Merges defaults <- repo config <- overrides the way `from_config` does. Keys starting with
 * `_` (`_class_name`, `_diffusers_version`, ...) are metadata and are not carried over;
 * `_class_name` is set to the class actually built.
 *
 * Overrides must name keys the class knows (diffusers would silently ignore the others, which
 * hides typos); repo keys are free-form.
 */
export function resolveConfig(
  className: string,
  defaults: Readonly<SchedulerConfig>,
  repoConfig: Readonly<SchedulerConfig>,
  overrides: Readonly<SchedulerConfig>,
): SchedulerConfig {
  const out: SchedulerConfig = { ...defaults };
  for (const [key, value] of Object.entries(repoConfig)) {
    if (key.startsWith('_')) continue;
    out[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) {
      throw new SchedulerConfigError(
        `${className}: override ${key} = ${show(value)} is not an option of this scheduler (options: ${Object.keys(defaults).join(', ')}).`,
      );
    }
    out[key] = value;
  }
  out._class_name = className;
  return out;
}

/** Typed, validating access to a resolved config; every failure names the key and the value. */
export class ConfigReader {
  constructor(
    readonly config: SchedulerConfig,
    readonly className: string,
  ) {}

  /** Throws a {@link SchedulerConfigError} about `key`. */
  fail(key: string, expected: string): never {
    throw new SchedulerConfigError(
      `${this.className}: config ${key} = ${show(this.config[key])} is not supported (expected ${expected}).`,
    );
  }

  /** A finite number within [min, max]. */
  number(key: string, opts: { min?: number; max?: number; exclusiveMin?: boolean } = {}): number {
    const v = this.config[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number');
    if (opts.min !== undefined && (opts.exclusiveMin ? !(v > opts.min) : !(v >= opts.min))) {
      this.fail(key, `a number ${opts.exclusiveMin ? '>' : '>='} ${opts.min}`);
    }
    if (opts.max !== undefined && !(v <= opts.max)) this.fail(key, `a number <= ${opts.max}`);
    return v;
  }

  /** An integer within [min, max]. */
  int(key: string, opts: { min?: number; max?: number } = {}): number {
    const v = this.number(key, opts);
    if (!Number.isInteger(v)) this.fail(key, 'an integer');
    return v;
  }

  /** A finite number or null. */
  numberOrNull(key: string, opts: { min?: number; exclusiveMin?: boolean } = {}): number | null {
    return this.config[key] === null || this.config[key] === undefined ? null : this.number(key, opts);
  }

  bool(key: string): boolean {
    const v = this.config[key];
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  /** One of `allowed` (string enums such as `prediction_type`). */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.config[key];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(key, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    }
    return v as T;
  }

  /** A key whose only supported value is `expected` (e.g. `thresholding: false`). */
  only(key: string, expected: unknown, why: string): void {
    const v = this.config[key];
    if (v !== expected && !(expected === null && v === undefined)) this.fail(key, `${show(expected)}: ${why}`);
  }

  /** `lambda_min_clipped`-style numbers that may be -inf (Python's bare `-Infinity`, read by parsePythonJson, or the string "-inf"). */
  numberAllowingInfinity(key: string): number {
    const v = this.config[key];
    if (typeof v === 'number' && !Number.isNaN(v)) return v;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === '-inf' || s === '-infinity') return -Infinity;
      if (s === 'inf' || s === 'infinity' || s === '+inf') return Infinity;
    }
    if (v === null) return -Infinity;
    return this.fail(key, 'a number (or "-inf")');
  }

  /** The beta-schedule keys every SD-family scheduler shares. */
  betaParams(opts: { rescaleKey: boolean }): BetaParams {
    const numTrainTimesteps = this.int('num_train_timesteps', { min: 2 });
    const trained = this.config.trained_betas;
    let trainedBetas: number[] | null = null;
    if (trained !== null && trained !== undefined) {
      if (!Array.isArray(trained) || !trained.every((b) => typeof b === 'number' && Number.isFinite(b) && b >= 0 && b < 1)) {
        this.fail('trained_betas', 'null or an array of numbers in [0, 1)');
      }
      trainedBetas = trained as number[];
    }
    const betaSchedule = this.oneOf<BetaSchedule>('beta_schedule', ['linear', 'scaled_linear', 'squaredcos_cap_v2']);
    return {
      numTrainTimesteps,
      betaStart: this.number('beta_start', { min: 0, max: 1 }),
      betaEnd: this.number('beta_end', { min: 0, max: 1 }),
      betaSchedule,
      trainedBetas,
      rescaleBetasZeroSnr: opts.rescaleKey ? this.bool('rescale_betas_zero_snr') : false,
    };
  }
}

/** Keys shared by the diffusers SD-family schedulers' `__init__` (their defaults differ per class). */
export const BETA_DEFAULTS = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: null,
} as const;
