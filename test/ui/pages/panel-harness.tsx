/**
 * A page with the shared panel alone, for the panel's browser test: a fake
 * tokenizer (one token per word), made-up images, and every callback logged
 * on window.__calls. The test drives states through window.__panel.dispatch.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { createRgba, type RgbaImage } from '../../../core/image';
import { injectPanelStyles, Panel, usePanelStore, type ModelStatus, type PanelAction, type PanelState } from '../../../plugins/ui';
import { droppedFolder } from '../../../plugins/ui/folder-drop';

declare global {
  interface Window {
    __panel: {
      dispatch(a: PanelAction): void;
      state(): PanelState;
      setModel(s: ModelStatus, loaded: boolean): void;
      images(n: number): RgbaImage[];
      /** The panel's width (CSS), to check narrow host windows. */
      setWidth(width: string): void;
    };
    __calls: unknown[][];
    /** The folder-drop reader, for a drop the test builds from fake entries (a real one cannot be scripted). */
    __droppedFolder: typeof droppedFolder;
  }
}
window.__droppedFolder = droppedFolder;

window.__calls = [];
const log = (...args: unknown[]): void => {
  window.__calls.push(args);
};

function picture(seed: number): RgbaImage {
  const img = createRgba(64, 64);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      img.data.set([(x * 4 + seed * 60) & 255, (y * 4) & 255, (seed * 90 + x + y) & 255, 255], (y * 64 + x) * 4);
    }
  }
  return img;
}

const tokenizer = {
  maxLength: 77,
  encode(text: string) {
    const numTokens = text.split(/\s+/).filter(Boolean).length;
    return { numTokens, truncated: numTokens > 75 };
  },
};

function Harness() {
  const [state, dispatch] = usePanelStore({ operation: 'inpaint', prompt: 'a red fox sitting in the snow', seed: 42 });
  const [model, setModel] = useState<{ status: ModelStatus; loaded: boolean }>({ status: { state: 'ready' }, loaded: true });
  const [images, setImages] = useState<RgbaImage[]>([]);
  const [width, setWidth] = useState('360px');
  window.__panel = {
    setWidth,
    dispatch,
    state: () => state,
    setModel: (status, loaded) => setModel({ status, loaded }),
    images: (n) => {
      const imgs = Array.from({ length: n }, (_, i) => picture(i + 1));
      setImages(imgs);
      return imgs;
    },
  };
  return (
    <div class="stp-theme" style={{ width, border: '1px solid var(--stp-border)' }}>
      <Panel
        state={state}
        dispatch={dispatch}
        operations={model.loaded ? ['inpaint'] : []}
        tokenizer={model.loaded ? tokenizer : null}
        defaultScheduler="pndm"
        hasMask
        resultImages={images}
        model={{
          current: model.loaded ? { title: 'Tiny SD inpainting (test model, random weights)', kind: 'inpaint', note: 'Random weights: its output is noise.' } : null,
          status: model.status,
          presets: [
            { id: 'tiny-sd-inpaint', title: 'Tiny SD inpainting (test model)', kind: 'inpaint', bytes: 15_507_626, notes: 'Served by this page. Random weights.' },
            { id: 'sd2-inpaint', title: 'Stable Diffusion 2 inpainting', kind: 'inpaint', notes: 'About 5.2 GB.' },
            { id: 'tiny-sd', title: 'Tiny SD (test model, random weights)', kind: 'plain', bytes: 12_000_000 },
            { id: 'tiny-ip2p', title: 'Tiny InstructPix2Pix (test model, random weights)', kind: 'pix2pix', bytes: 13_000_000 },
            { id: 'sd-turbo', title: 'SD-Turbo (fp16, web-optimised)', kind: 'plain', bytes: 2_500_000_000 },
          ],
          cache: { models: [{ id: 'sd2-inpaint', title: 'Stable Diffusion 2 inpainting', bytes: 5.2 * 1024 ** 3 }], usage: 5.3 * 1024 ** 3, quota: 40 * 1024 ** 3 },
          onLoadPreset: (id) => log('preset', id),
          onLoadUrl: (url) => log('url', url),
          onLoadFolder: (files) => log('folder', files.length),
          onDelete: (id) => log('delete', id),
        }}
        onRun={() => log('run')}
        onCancel={() => log('cancel')}
        onSelectVariant={(i) => {
          log('select', i);
          if (state.results) dispatch({ type: 'results', results: { ...state.results, selected: i } });
        }}
        onToggleView={() => log('toggle')}
        onApply={() => log('apply')}
        onDiscard={() => log('discard')}
        onShowHistory={(e) => log('show', e.id)}
      />
    </div>
  );
}

injectPanelStyles();
document.body.style.margin = '0';
document.body.style.padding = '16px';
document.body.className = 'stp-theme';
render(<Harness />, document.getElementById('app')!);
