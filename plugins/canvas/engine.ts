/**
 * The demo's edit engine: core's in-process Editor behind the
 * {@link EditEngine} interface, so the Worker client (same API) can replace
 * it without touching the rest of the demo.
 *
 * ONNX Runtime runs its WASM backend in ORT's own proxy worker, so inference
 * never blocks the page: painting, progress, previews and Cancel stay live
 * during an edit. (On the page's main thread ORT's `run()` resolves through
 * microtasks only; even with core yielding between steps, Chromium neither
 * paints nor serves DevTools requests until the edit ends.)
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { EditEngine } from '../../adapters/canvas';
import { createEditor } from '../../core/editor';
import type { ModelKind, RepoSource } from '../../core/models';
import { createRuntime, defaultOrt, type OrtRuntime } from '../../core/runtime';
import { defaultSchedulerName } from '../../core/schedulers';
import type { TokenCounter } from '../ui';

/** A loaded model: the engine and what the panel shows about it. */
export interface LoadedModel {
  engine: EditEngine;
  tokenizer: TokenCounter;
  kind: ModelKind;
  /** The scheduler the model's own config asks for. */
  defaultScheduler: string;
  description: string;
}

let proxied = false;

/**
 * Points ONNX Runtime at its files (served by the demo server under `/ort/`)
 * and, with `proxy`, moves its WASM backend into ORT's proxy worker. Must run
 * before the first session is created.
 */
export function configureOrt(wasmBase: string, proxy = true): void {
  defaultOrt.env.wasm.wasmPaths = wasmBase;
  defaultOrt.env.wasm.proxy = proxy;
  proxied = proxy;
}

/** Loads a model repo (configs and tokenizer; the weights load on the first edit). */
export async function loadModel(source: RepoSource): Promise<LoadedModel> {
  const runtime = proxied ? createRuntime({ ort: copyingFeeds(defaultOrt), executionProviders: ['wasm'] }) : createRuntime();
  const editor = await createEditor({ model: source, runtime });
  return {
    engine: editor,
    tokenizer: editor.repo.tokenizer,
    kind: editor.repo.kind,
    defaultScheduler: defaultSchedulerName(editor.repo.schedulerConfig),
    description: source.description,
  };
}

/**
 * ORT's proxy transfers the buffers of input tensors to its worker, which
 * detaches them here; core reuses its input buffers from step to step. This
 * runtime hands `run()` copies instead (a few hundred KB per step at most).
 */
export function copyingFeeds(ort: OrtRuntime): OrtRuntime {
  const wrap = (session: InferenceSession): InferenceSession =>
    new Proxy(session, {
      get(target, key) {
        if (key === 'run') {
          return (feeds: InferenceSession.FeedsType, ...rest: unknown[]) => {
            const copies: Record<string, Tensor> = {};
            for (const [name, t] of Object.entries(feeds)) {
              copies[name] = new ort.Tensor(t.type as 'float32', (t.data as Float32Array).slice(), t.dims);
            }
            return (target.run as (...a: unknown[]) => Promise<InferenceSession.ReturnType>)(copies, ...rest);
          };
        }
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  return {
    Tensor: ort.Tensor,
    env: ort.env,
    InferenceSession: {
      create: async (model, options) => wrap(await ort.InferenceSession.create(model, options)),
    },
  };
}
