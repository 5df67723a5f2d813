/**
 * Runs Stipple's main code against the fake Figma, with the panel's bridge
 * and session in Node talking to it through the fake's plugin frame: the
 * whole plugin without a browser.
 */
import { startStipple, type StippleMain } from '../../adapters/figma/main';
import type { MainToPanel } from '../../adapters/figma/messages';
import { PanelBridge } from '../../adapters/figma/panel-bridge';
import { FigmaSession } from '../../adapters/figma/session';
import { FakeFigma, nodeCodec } from './fake-figma';

export const PANEL_ORIGIN = 'https://panel.stipple.test';

export interface Plugin {
  figma: FakeFigma;
  main: StippleMain;
  bridge: PanelBridge;
  session: FigmaSession;
  /** Messages the panel received, in order. */
  received: { type: keyof MainToPanel; payload: unknown }[];
}

/** The fake document (built by `build`), the main code started on it, and a connected panel. */
export async function startPlugin(build: (figma: FakeFigma) => void = () => undefined): Promise<Plugin> {
  const figma = new FakeFigma();
  build(figma);
  const main = startStipple(figma, { panelOrigin: PANEL_ORIGIN, html: '<script>location.href = "https://panel.stipple.test/"</script>' });
  const bridge = new PanelBridge({ window: figma.panelWindow(PANEL_ORIGIN), timeoutMs: 10_000 });
  const received: Plugin['received'] = [];
  for (const type of ['hello', 'selection', 'source', 'written', 'failed', 'changed'] as const) {
    bridge.on(type, (payload) => received.push({ type, payload }));
  }
  bridge.ready();
  await until(() => bridge.selection !== null);
  return { figma, main, bridge, session: new FigmaSession(bridge, nodeCodec), received };
}

/** Lets queued messages and timers run. */
export async function flush(plugin?: Plugin): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await plugin?.main.settled();
  }
}

export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}
