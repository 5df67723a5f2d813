// Calibration probe for core/runtime/capability.ts: loads a full-size UNet on
// onnxruntime-web's wasm backend in Node and runs ONE step at one latent size
// (a fresh process per size: after a bad_alloc the heap is not trustworthy).
//   node test/realscale/probe-unet.mjs <repo> <latent side> [batch] [--with-others]
// Prints one JSON line: { side, batch, ok, error, loadS, runS, peakRssGiB }.
// --with-others first creates the text encoder and VAE sessions in the same
// ORT instance (one wasm heap), as an edit does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The wasm heap only grows, so its size after the run is its peak. ORT-web
// does not expose its Memory: record every one made instead.
const memories = [];
const Memory = WebAssembly.Memory;
WebAssembly.Memory = function (descriptor) { const m = new Memory(descriptor); memories.push(m); return m; };
WebAssembly.Memory.prototype = Memory.prototype;
const ort = await import('onnxruntime-web');
const heapGiB = () => +(Math.max(0, ...memories.map((m) => m.buffer.byteLength)) / 2 ** 30).toFixed(3);

const [repo, sideArg, batchArg = '1', ...flags] = process.argv.slice(2);
const side = Number(sideArg);
const batch = Number(batchArg);
ort.env.wasm.numThreads = 1;
let peak = 0;
const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
const timer = setInterval(sample, 200);
const create = (component) =>
  ort.InferenceSession.create(readFileSync(join(repo, component, 'model.onnx')), {
    executionProviders: ['wasm'],
    externalData: [{ path: 'model.onnx_data', data: join(repo, component, 'model.onnx_data') }],
  });
const out = { side, batch, others: flags.includes('--with-others'), ok: false };
try {
  if (out.others) for (const c of ['text_encoder', 'vae_encoder', 'vae_decoder']) await create(c);
  let t = performance.now();
  const unet = await create('unet');
  out.loadS = +((performance.now() - t) / 1000).toFixed(1);
  out.heapAfterLoadGiB = heapGiB();
  const n = batch * 4 * side * side;
  const feeds = {
    sample: new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [batch, 4, side, side]),
    timestep: new ort.Tensor('float32', new Float32Array([981]), []),
    encoder_hidden_states: new ort.Tensor('float32', Float32Array.from({ length: batch * 77 * 768 }, (_, i) => Math.cos(i)), [batch, 77, 768]),
  };
  t = performance.now();
  try {
    const r = await unet.run(feeds);
    const data = Object.values(r)[0].data;
    out.ok = data.every(Number.isFinite);
  } catch (e) {
    out.error = String(e.message ?? e).slice(0, 160);
  }
  out.runS = +((performance.now() - t) / 1000).toFixed(1);
} catch (e) {
  out.error = `load: ${String(e.message ?? e).slice(0, 160)}`;
}
sample();
clearInterval(timer);
out.peakRssGiB = +(peak / 2 ** 30).toFixed(2);
out.heapGiB = heapGiB();
console.log(JSON.stringify(out));
process.exit(0);
