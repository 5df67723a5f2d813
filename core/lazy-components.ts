/**
 * The editor's component sessions: created on first use, kept for the next
 * edit, and made for the working size. Once the size is pinned
 * ({@link LazyComponents.pin}), each session is created with its symbolic
 * dims pinned to it (`freeDimensionOverrides`, see
 * `runtime/dimension-pins.ts`); a session made for another size is released
 * and created again. A graph with nothing to pin (static shapes) is kept for
 * every size.
 *
 * A UNet too heavy to share ONNX Runtime Web's wasm32 heap (full-size SD on
 * the CPU, see `runtime/wasm-heap.ts`) gets the heap to itself: the other
 * sessions are released before it is created, and from then on each
 * component is released before another is created (each edit then reloads
 * them, which costs load time but is the only way a 512 px edit fits).
 */
import { inspectOnnxModel, type ModelRepo } from './models';
import type { Components } from './pipelines/model-run';
import type { ShapePins, StippleRuntime } from './runtime';
import type { ModelSession } from './runtime/session';
import type { UnetSession } from './runtime/components';

/** The sizes an edit runs at. */
export interface WorkingShape {
  /** Working image size in pixels. */
  width: number;
  height: number;
  /**
   * UNet batch: guidance chunks x images per call. Undefined leaves the batch
   * free in every session, for edits whose batch changes between stages
   * (DiffEdit: 4 prompts per map, then 2).
   */
  unetBatch?: number;
  /** Token ids per prompt (77 for CLIP). */
  sequence: number;
  /** Set when the VAE runs in tiles (`pipelines/vae-tiling.ts`): its sessions then take any size. */
  vaeTiles?: boolean;
}

export interface LazyComponents extends Components {
  /** Sessions are made for `shape` from now on (undefined: for any size). */
  pin(shape: WorkingShape | undefined): void;
  /**
   * The latent size the UNet graph pins (static-shape exports), if any.
   * Read from the graph file when the UNet has external weights and no
   * session yet, so asking does not load a multi-GB UNet out of turn.
   */
  fixedLatentSize(): Promise<{ height: number; width: number } | undefined>;
  /** Releases one component's session; the next use creates it again. */
  drop(name: keyof Components): Promise<void>;
  release(): Promise<void>;
}

type Adapter = { readonly session: ModelSession; release(): Promise<void> };

interface Entry {
  key: string;
  session: Promise<Adapter>;
  /** Created with pins that matched no symbolic dim: the same session serves every size. */
  anySize: boolean;
}

/** What each component runs at for a working shape: the text encoder encodes prompt and negative together; the VAE one image at a time. */
function pinsFor(name: keyof Components, shape: WorkingShape | undefined, f: number): ShapePins | undefined {
  if (!shape) return undefined;
  const latent = { height: shape.height / f, width: shape.width / f };
  switch (name) {
    case 'textEncoder':
      return { batch: shape.unetBatch === undefined ? undefined : 2, sequence: shape.sequence };
    case 'unet':
      return { batch: shape.unetBatch, sequence: shape.sequence, ...latent };
    case 'vaeEncoder':
      return shape.vaeTiles ? { batch: 1 } : { batch: 1, height: shape.height, width: shape.width };
    case 'vaeDecoder':
      return shape.vaeTiles ? { batch: 1 } : { batch: 1, ...latent };
  }
}

/**
 * Lazy, size-aware sessions for `repo`. With `lowMemory`, asking for the
 * UNet first releases the encoders (every edit has used them by then).
 */
export function lazyComponents(runtime: StippleRuntime, repo: ModelRepo, lowMemory = false): LazyComponents {
  const made = new Map<keyof Components, Entry>();
  let shape: WorkingShape | undefined;
  /** Set once a heavy UNet was seen: one session in the heap at a time. */
  let exclusive = false;

  const drop = async (name: keyof Components): Promise<void> => {
    const entry = made.get(name);
    made.delete(name);
    await entry?.session.then((s) => s.release()).catch(() => undefined);
  };
  const get = <T extends Adapter>(name: keyof Components, create: (pins: ShapePins | undefined) => Promise<T>) => {
    return async (): Promise<T> => {
      const pins = pinsFor(name, shape, repo.vaeScaleFactor);
      const key = JSON.stringify(pins ?? null);
      const entry = made.get(name);
      if (entry && (entry.key === key || entry.anySize)) return entry.session as Promise<T>;
      if (entry) await drop(name);
      if (exclusive) await dropAllBut(name);
      const session = create(pins);
      const fresh: Entry = { key, session, anySize: false };
      made.set(name, fresh);
      session.then(
        (s) => {
          fresh.anySize = pins !== undefined && Object.keys(s.session.pinnedDims).length === 0;
        },
        // A failed creation is retried on the next use rather than cached.
        () => {
          if (made.get(name) === fresh) made.delete(name);
        },
      );
      return session;
    };
  };
  const dropAllBut = async (keep: keyof Components): Promise<void> => {
    await Promise.all([...made.keys()].filter((n) => n !== keep).map(drop));
  };
  const unetFirst = async (): Promise<UnetSession> => {
    if (lowMemory) await Promise.all([drop('textEncoder'), drop('vaeEncoder')]);
    return unet();
  };
  let fixedLatent: Promise<{ height: number; width: number } | undefined> | undefined;
  const unet = get('unet', (pins) =>
    runtime.createUnet(repo, pins, {
      async beforeCreate(plan) {
        if (!plan.heavy) return;
        exclusive = true;
        await dropAllBut('unet');
      },
    }),
  );
  return {
    textEncoder: get('textEncoder', (pins) => runtime.createTextEncoder(repo, pins)),
    unet: unetFirst,
    fixedLatentSize() {
      const component = repo.components.unet;
      if (made.has('unet') || component.externalDataPaths.length === 0) return unetFirst().then((u) => u.fixedLatentSize);
      fixedLatent ??= repo.source.readBytes(component.modelPath).then((bytes) => {
        const inputs = inspectOnnxModel(bytes, component.modelPath).inputs;
        const dims = (inputs.find((i) => i.name === 'sample') ?? inputs.find((i) => i.shape?.length === 4))?.shape;
        const [height, width] = [dims?.[2], dims?.[3]];
        return typeof height === 'number' && height > 0 && typeof width === 'number' && width > 0 ? { height, width } : undefined;
      });
      return fixedLatent;
    },
    vaeEncoder: get('vaeEncoder', (pins) => runtime.createVaeEncoder(repo, pins)),
    vaeDecoder: get('vaeDecoder', (pins) => runtime.createVaeDecoder(repo, pins)),
    pin(next) {
      shape = next;
    },
    drop,
    async release() {
      const all = [...made.values()];
      made.clear();
      await Promise.all(all.map((e) => e.session.then((s) => s.release()).catch(() => undefined)));
    },
  };
}
