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
        const read: ExternalData[number][] = [];
        for (const d of external) read.push(isLocalPath(d) ? { path: d.path, data: await readWhole(d.data) } : d);
        return ort.InferenceSession.create(model, { ...options, externalData: read });
      },
    },
  };
}

interface FileHandle {
  stat(): Promise<{ size: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** Reads a whole file, in chunks: `fs.readFile` refuses files over 2 GiB, and a UNet's weights are 3.4 GB. */
async function readWhole(path: string): Promise<Uint8Array> {
  const specifier = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ specifier)) as { open(path: string, flags: string): Promise<FileHandle> };
  const file = await fs.open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await file.read(bytes, at, Math.min(64 * 2 ** 20, size - at), at);
      if (bytesRead === 0) throw new Error(`${path} ended after ${at} of ${size} bytes`);
      at += bytesRead;
    }
    return bytes;
  } finally {
    await file.close();
  }
}

function isLocalPath(d: ExternalData[number]): d is { path: string; data: string } {
  return typeof d === 'object' && typeof d.data === 'string' && !/^(https?|blob|data):/i.test(d.data);
}
