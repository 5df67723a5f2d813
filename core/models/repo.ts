/**
 * Reading a Stable Diffusion ONNX model repo (diffusers / Hugging Face Optimum
 * layout): configs, tokenizer, and lazily the four ONNX components.
 *
 * {@link loadModelRepo} reads only the small files (JSON configs, tokenizer)
 * and checks that every component file exists. The weights (hundreds of MB to
 * GBs) are read one component at a time by {@link ModelComponent.load}, so the
 * runtime can create one session, drop the bytes, and go on to the next: peak
 * memory is one component, not the whole repo.
 *
 * Browser-safe: no Node APIs in this file.
 */
import { ModelFormatError, TokenizerFormatError } from '../errors';
import { parsePythonJson } from '../python-json';
import { ClipTokenizer, type TokenizerFiles } from '../text';
import { inspectOnnxModel, type OnnxModelInfo } from './onnx-graph';
import type { RepoSource, SourceUrl } from './source';

/** What the UNet's input channels say the model is for. */
export type ModelKind = 'plain' | 'inpaint' | 'pix2pix';

/** The four ONNX components, named by their folder in the repo. */
export type ComponentName = 'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder';

/** All component names, in the order a pipeline first needs them. */
export const COMPONENT_NAMES: readonly ComponentName[] = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

/** A parsed JSON object from the repo (config files are open-ended). */
export type JsonObject = { readonly [key: string]: unknown };

/** An external-data file in the form ONNX Runtime's `externalData` session option takes. */
export interface ExternalDataFile {
  /** The location exactly as written in the model (e.g. `model.onnx_data`), relative to the model file. */
  path: string;
  /** The bytes, or a URL ONNX Runtime fetches itself (large files: see {@link LARGE_FILE_BYTES}). */
  data: Uint8Array | string;
}

/**
 * External-data files at least this large are handed to ONNX Runtime as a URL
 * when the source can give one ({@link RepoSource.fileUrl}), instead of being
 * read into one buffer here: a 3.5 GB UNet would not fit in a JS ArrayBuffer.
 */
export const LARGE_FILE_BYTES = 512 * 2 ** 20;

/** The bytes of one component, ready for `InferenceSession.create`. */
export interface ComponentFiles {
  /** Repo path of the model file, e.g. `unet/model.onnx` (for error messages). */
  file: string;
  model: Uint8Array;
  /** Present when the graph keeps (some of) its weights in separate files. */
  externalData?: ExternalDataFile[];
  /** Signature and external-data references read from the model file. */
  graph: OnnxModelInfo;
  /** Frees what loading made (e.g. `blob:` URLs) once the session is created. */
  release?(): void;
}

/** One ONNX component of a repo; its bytes are read only on {@link load}. */
export interface ModelComponent {
  readonly name: ComponentName;
  /** `text_encoder/model.onnx` etc. */
  readonly modelPath: string;
  /**
   * External-data files found next to the model under the conventional names
   * (`model.onnx_data`, `weights.pb`), as repo paths. Informational (e.g. for
   * download size estimates): {@link load} reads the files the graph actually
   * names.
   */
  readonly externalDataPaths: readonly string[];
  /**
   * Reads the model (and its external data), checks the file is a complete
   * ONNX model and agrees with the repo's configs.
   *
   * Returns fresh bytes on every call and keeps no reference, so the caller
   * decides how long they stay in memory.
   *
   * @throws {ModelFormatError} naming the model file (missing, truncated,
   *   corrupt), an external-data file (missing or too short), or the config
   *   that disagrees with the graph (e.g. `unet/config.json`).
   */
  load(): Promise<ComponentFiles>;
}

/** A Stable Diffusion ONNX repo, with configs read and components loadable one by one. */
export interface ModelRepo {
  readonly source: RepoSource;
  /** From the UNet's `in_channels`: 4 plain (SDEdit, legacy inpaint), 9 inpaint, 8 InstructPix2Pix. */
  readonly kind: ModelKind;
  readonly unetInChannels: number;
  /** Pixels per latent pixel: `2 ** (vae.block_out_channels.length - 1)` (8 for SD). */
  readonly vaeScaleFactor: number;
  /** Latent scale of the VAE (`scaling_factor`, 0.18215 for SD 1.x when unset). */
  readonly scalingFactor: number;
  /** `scheduler/scheduler_config.json`. */
  readonly schedulerConfig: JsonObject;
  readonly tokenizer: ClipTokenizer;
  /** `model_index.json`, or `undefined` for a repo that ships without one. */
  readonly modelIndex: JsonObject | undefined;
  /** `unet/config.json`. */
  readonly unetConfig: JsonObject;
  /** The AutoencoderKL config (`vae_decoder/config.json`, `vae/config.json` or `vae_encoder/config.json`). */
  readonly vaeConfig: JsonObject;
  /** Repo path the VAE config was read from. */
  readonly vaeConfigPath: string;
  readonly components: { readonly [K in ComponentName]: ModelComponent };
}

const MODEL_FILE = 'model.onnx';
/** External-data names used by Optimum (`model.onnx_data`) and diffusers' legacy conversion script (`weights.pb`). */
const EXTERNAL_DATA_NAMES = ['model.onnx_data', 'weights.pb'];
const VAE_CONFIG_PATHS = ['vae_decoder/config.json', 'vae/config.json', 'vae_encoder/config.json'];
const TOKENIZER = {
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  tokenizerConfig: 'tokenizer/tokenizer_config.json',
  specialTokensMap: 'tokenizer/special_tokens_map.json',
} as const;
const KIND_BY_CHANNELS: Record<number, ModelKind> = { 4: 'plain', 9: 'inpaint', 8: 'pix2pix' };
const ROLE: Record<ComponentName, string> = {
  text_encoder: 'the CLIP text encoder',
  unet: 'the UNet',
  vae_encoder: 'the VAE encoder',
  vae_decoder: 'the VAE decoder',
};
const DEFAULT_SCALING_FACTOR = 0.18215;

/**
 * Reads a model repo's configs and tokenizer, and checks its component files
 * exist. Weights are not read here: see {@link ModelComponent.load}.
 *
 * @throws {ModelFormatError} naming the file: `model_index.json` when the
 *   source is not a model repo at all; a missing `<component>/model.onnx`;
 *   a config that is not a JSON object or lacks a needed key; a UNet whose
 *   `in_channels` is not 4, 8 or 9.
 * @throws {TokenizerFormatError} when a tokenizer file is missing or invalid.
 */
export async function loadModelRepo(source: RepoSource, options: LoadRepoOptions = {}): Promise<ModelRepo> {
  const [hasIndex, hasUnetConfig, hasUnetModel] = await Promise.all([
    source.exists('model_index.json'),
    source.exists('unet/config.json'),
    source.exists(`unet/${MODEL_FILE}`),
  ]);
  if (!hasIndex && !hasUnetConfig && !hasUnetModel) {
    throw new ModelFormatError(
      'model_index.json',
      'a diffusers/Optimum ONNX model repo (model_index.json, text_encoder/, unet/, vae_encoder/, vae_decoder/, tokenizer/, scheduler/)',
      `neither model_index.json nor unet/ found in ${source.description}`,
    );
  }
  if (!hasUnetConfig) {
    throw new ModelFormatError('unet/config.json', 'the UNet2DConditionModel config', `not found in ${source.description}`);
  }

  const [modelIndex, schedulerConfig, unetConfig, vae, tokenizer, components] = await Promise.all([
    hasIndex ? readJsonObject(source, 'model_index.json') : Promise.resolve(undefined),
    readJsonObject(source, 'scheduler/scheduler_config.json'),
    readJsonObject(source, 'unet/config.json'),
    readVaeConfig(source),
    readTokenizer(source),
    Promise.all(COMPONENT_NAMES.map((name) => findComponent(source, name))),
  ]);

  const unetInChannels = unetConfig['in_channels'];
  const kind = typeof unetInChannels === 'number' ? KIND_BY_CHANNELS[unetInChannels] : undefined;
  if (kind === undefined || typeof unetInChannels !== 'number') {
    throw new ModelFormatError(
      'unet/config.json',
      '"in_channels" 4 (text-guided editing), 9 (inpainting) or 8 (InstructPix2Pix)',
      `found ${JSON.stringify(unetInChannels)}`,
    );
  }
  if (unetConfig['addition_embed_type'] != null) {
    // SDXL-style UNets need extra inputs (text_embeds, time_ids) Stipple does not feed.
    throw new ModelFormatError(
      'unet/config.json',
      'a Stable Diffusion 1.x/2.x UNet',
      `"addition_embed_type": ${JSON.stringify(unetConfig['addition_embed_type'])} (SDXL-style conditioning) is not supported`,
    );
  }

  const blocks = vae.config['block_out_channels'];
  if (!Array.isArray(blocks) || blocks.length === 0 || !blocks.every((b) => typeof b === 'number')) {
    throw new ModelFormatError(vae.path, '"block_out_channels": a non-empty list of numbers', `found ${JSON.stringify(blocks)}`);
  }
  const scaling = vae.config['scaling_factor'];
  if (scaling != null && (typeof scaling !== 'number' || !(scaling > 0))) {
    throw new ModelFormatError(vae.path, '"scaling_factor": a positive number', `found ${JSON.stringify(scaling)}`);
  }

  const byName = Object.fromEntries(
    components.map((c) => [c.name, makeComponent(source, c.name, c.externalDataPaths, c.name === 'unet' ? unetInChannels : undefined, options)]),
  ) as { [K in ComponentName]: ModelComponent };

  return {
    source,
    kind,
    unetInChannels,
    vaeScaleFactor: 2 ** (blocks.length - 1),
    scalingFactor: scaling ?? DEFAULT_SCALING_FACTOR,
    schedulerConfig,
    tokenizer,
    modelIndex,
    unetConfig,
    vaeConfig: vae.config,
    vaeConfigPath: vae.path,
    components: byName,
  };
}

/** Reads a repo file that must hold a JSON object. */
async function readJsonObject(source: RepoSource, path: string): Promise<JsonObject> {
  const text = await source.readText(path);
  let value: unknown;
  try {
    value = parsePythonJson(text);
  } catch (cause) {
    throw new ModelFormatError(path, 'a JSON object', `not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelFormatError(path, 'a JSON object', `found ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as JsonObject;
}

async function readVaeConfig(source: RepoSource): Promise<{ path: string; config: JsonObject }> {
  const found = await Promise.all(VAE_CONFIG_PATHS.map((p) => source.exists(p)));
  const path = VAE_CONFIG_PATHS[found.indexOf(true)];
  if (path === undefined) {
    throw new ModelFormatError(
      VAE_CONFIG_PATHS[0]!,
      'the AutoencoderKL config',
      `none of ${VAE_CONFIG_PATHS.join(', ')} found in ${source.description}`,
    );
  }
  return { path, config: await readJsonObject(source, path) };
}

async function readTokenizer(source: RepoSource): Promise<ClipTokenizer> {
  const optional = async (path: string): Promise<string | undefined> =>
    (await source.exists(path)) ? source.readText(path) : undefined;
  const required = async (path: string): Promise<string> => {
    if (!(await source.exists(path))) {
      throw new TokenizerFormatError(path, `the CLIP tokenizer file (not found in ${source.description})`);
    }
    return source.readText(path);
  };
  const [vocab, merges, tokenizerConfig, specialTokensMap] = await Promise.all([
    required(TOKENIZER.vocab),
    required(TOKENIZER.merges),
    optional(TOKENIZER.tokenizerConfig),
    optional(TOKENIZER.specialTokensMap),
  ]);
  const files: TokenizerFiles = { vocab, merges };
  if (tokenizerConfig !== undefined) files.tokenizerConfig = tokenizerConfig;
  if (specialTokensMap !== undefined) files.specialTokensMap = specialTokensMap;
  return ClipTokenizer.fromFiles(files);
}

/** Finds `<name>/model.onnx` (and conventional external data) in a source; also used for TAESD's two halves. */
export async function findComponent(
  source: RepoSource,
  name: ComponentName,
): Promise<{ name: ComponentName; externalDataPaths: string[] }> {
  const modelPath = `${name}/${MODEL_FILE}`;
  const candidates = EXTERNAL_DATA_NAMES.map((n) => `${name}/${n}`);
  const [hasModel, ...hasData] = await Promise.all([modelPath, ...candidates].map((p) => source.exists(p)));
  if (!hasModel) {
    throw new ModelFormatError(modelPath, `the ONNX model of ${ROLE[name]}`, `not found in ${source.description}`);
  }
  return { name, externalDataPaths: candidates.filter((_, i) => hasData[i]) };
}

/** A lazily loaded component of `source`; also used for TAESD's two halves. */
export function makeComponent(
  source: RepoSource,
  name: ComponentName,
  externalDataPaths: readonly string[],
  unetInChannels: number | undefined,
  options: LoadRepoOptions,
): ModelComponent {
  const modelPath = `${name}/${MODEL_FILE}`;
  return {
    name,
    modelPath,
    externalDataPaths,
    async load(): Promise<ComponentFiles> {
      const model = await source.readBytes(modelPath);
      const graph = inspectOnnxModel(model, modelPath);
      if (unetInChannels !== undefined) checkUnetChannels(graph, unetInChannels);
      const files: ComponentFiles = { file: modelPath, model, graph };
      const releases: (() => void)[] = [];
      if (graph.externalData.length > 0) {
        files.externalData = await Promise.all(
          graph.externalData.map(async ({ location, minBytes }) => {
            const path = externalDataRepoPath(name, location, modelPath);
            if (!(await source.exists(path))) {
              throw new ModelFormatError(path, `the external weights of ${modelPath}`, `not found in ${source.description}`);
            }
            const byUrl = await largeFileUrl(source, path, options.largeFileBytes ?? LARGE_FILE_BYTES);
            if (byUrl) releases.push(() => byUrl.release?.());
            const data = byUrl ? byUrl.url : await source.readBytes(path);
            const size = byUrl ? byUrl.size : (data as Uint8Array).byteLength;
            if (size < minBytes) {
              throw new ModelFormatError(
                path,
                `at least ${minBytes} bytes (the external weights of ${modelPath})`,
                `it has ${size}: the file is truncated, download it again`,
              );
            }
            return { path: location, data };
          }),
        ).catch((error: unknown) => {
          for (const r of releases) r();
          throw error;
        });
        if (releases.length > 0) files.release = () => releases.splice(0).forEach((r) => r());
      }
      return files;
    },
  };
}

/** Options of {@link loadModelRepo}. */
export interface LoadRepoOptions {
  /** External-data files from this size up go to ONNX Runtime by URL when the source has one (default {@link LARGE_FILE_BYTES}). */
  largeFileBytes?: number;
}

/** A URL for `path` when the source offers one and the file is at least `threshold` bytes. */
async function largeFileUrl(source: RepoSource, path: string, threshold: number): Promise<SourceUrl | undefined> {
  if (!source.fileUrl) return undefined;
  const found = await source.fileUrl(path);
  if (found && found.size >= threshold) return found;
  found?.release?.();
  return undefined;
}

/** Repo path of an external-data `location` written in `<dir>/model.onnx`. */
function externalDataRepoPath(dir: string, location: string, modelPath: string): string {
  const segments = location.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (location.startsWith('/') || /^[a-z]:/i.test(location) || segments.includes('..') || segments.length === 0) {
    throw new ModelFormatError(
      modelPath,
      'external data stored next to the model',
      `the graph refers to "${location}", outside the model's folder`,
    );
  }
  return [dir, ...segments].join('/');
}

/**
 * The UNet config and graph must agree on the input channels: the pipeline
 * is chosen from the config, and a mismatch would fail only at the first
 * denoising step, with an ORT shape error that names neither file.
 */
function checkUnetChannels(graph: OnnxModelInfo, inChannels: number): void {
  const sample = graph.inputs.find((i) => i.name === 'sample') ?? graph.inputs.find((i) => i.shape?.length === 4);
  const channels = sample?.shape?.[1];
  if (typeof channels === 'number' && channels !== inChannels) {
    throw new ModelFormatError(
      'unet/config.json',
      `"in_channels": ${channels}, as in unet/${MODEL_FILE} (its "${sample?.name}" input is [${sample?.shape?.join(', ')}])`,
      `the config says ${inChannels}`,
    );
  }
}
