/**
 * onnxruntime-node takes external data only as bytes (`data` must be a
 * Buffer or typed array), while the model loader hands large external files
 * (a 3.4 GB UNet) over as a file path for onnxruntime-web to read itself.
 * This wraps the native runtime so such paths are read into memory first.
 * Node only at run time; the import is hidden from bundlers as in `select.ts`.
 */
import type { InferenceSession } from 'onnxruntime-web';
import type { OrtRuntime } from './ort';

type ExternalData = NonNullable<InferenceSession.SessionOptions['externalData']>;

/** `ort` whose `InferenceSession.create` reads external data given as a local file path. */
export function withFileExternalData(ort: OrtRuntime): OrtRuntime {
  return {
    Tensor: ort.Tensor,
    env: ort.env,
    InferenceSession: {
      async create(model, options) {
        const external = options?.externalData;
        if (!external?.some((d) => isLocalPath(d))) return ort.InferenceSession.create(model, options);
        const specifier = 'node:fs/promises';
        const fs = (await import(/* @vite-ignore */ specifier)) as { readFile(path: string): Promise<Uint8Array> };
        const read = (await Promise.all(
          external.map(async (d) => (isLocalPath(d) ? { path: d.path, data: await fs.readFile(d.data) } : d)),
        )) as ExternalData;
        return ort.InferenceSession.create(model, { ...options, externalData: read });
      },
    },
  };
}

function isLocalPath(d: ExternalData[number]): d is { path: string; data: string } {
  return typeof d === 'object' && typeof d.data === 'string' && !/^(https?|blob|data):/i.test(d.data);
}
