/** Serves the built demo, onnxruntime-web's files (/ort/) and the tiny fixture models (/models/tiny-sd/). */
export function startDemoServer(options?: {
  /** Default 5173; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The built demo (default dist/demo, relative to the repo root). */
  demoDir?: string;
}): Promise<{ url: string; port: number; close(): Promise<void> }>;
