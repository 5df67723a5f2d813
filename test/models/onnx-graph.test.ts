import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../core/errors';
import { inspectOnnxModel } from '../../core/models';
import { FAMILIES, GOLDEN, TINY } from '../runtime/helpers';

type Value = { name: string; dtype: string; shape: (string | number)[] };
type Sig = { inputs: Value[]; outputs: Value[] };
const signatures = JSON.parse(readFileSync(`${GOLDEN}onnx_signatures.json`, 'utf8')) as Record<string, Sig>;
const ONNX_TO_ORT: Record<string, string> = { float: 'float32', int64: 'int64', int32: 'int32' };

describe('inspectOnnxModel', () => {
  it.each(Object.keys(signatures))('matches onnx_signatures.json for %s', (key) => {
    const info = inspectOnnxModel(readFileSync(`${TINY}${key}/model.onnx`), `${key}/model.onnx`);
    const sig = signatures[key]!;
    const norm = (list: Value[]) => list.map((v) => ({ name: v.name, type: ONNX_TO_ORT[v.dtype], shape: v.shape }));
    expect(info.inputs).toEqual(norm(sig.inputs));
    expect(info.outputs).toEqual(norm(sig.outputs));
    expect(info.opsetVersion).toBe(17);
    expect(info.externalData).toEqual([]);
  });

  it('reads the optimum-1.22 signature', () => {
    const dir = FAMILIES['optimum-1.22/sd'];
    const unet = inspectOnnxModel(readFileSync(`${dir}/unet/model.onnx`), 'unet/model.onnx');
    expect(unet.opsetVersion).toBe(14);
    expect(unet.inputs.find((i) => i.name === 'timestep')).toEqual({ name: 'timestep', type: 'int64', shape: ['steps'] });
    const te = inspectOnnxModel(readFileSync(`${dir}/text_encoder/model.onnx`), 'text_encoder/model.onnx');
    expect(te.inputs[0]?.type).toBe('int32');
  });

  it('lists external data with the bytes it needs', () => {
    const dir = FAMILIES['external-data/sd'];
    const info = inspectOnnxModel(readFileSync(`${dir}/unet/model.onnx`), 'unet/model.onnx');
    expect(info.externalData.map((d) => d.location)).toEqual(['model.onnx_data']);
    const need = info.externalData[0]!.minBytes;
    expect(need).toBeGreaterThan(5_000_000);
    expect(need).toBeLessThanOrEqual(5665792);
  });

  it('rejects every truncation of a model', () => {
    const full = readFileSync(`${TINY}sd/vae_encoder/model.onnx`);
    for (const fraction of [0.01, 0.25, 0.5, 0.9, 0.999]) {
      const cut = full.subarray(0, Math.floor(full.length * fraction));
      expect(() => inspectOnnxModel(cut, 'vae_encoder/model.onnx')).toThrow(ModelFormatError);
    }
  });
});
