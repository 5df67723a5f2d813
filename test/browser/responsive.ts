/**
 * "The panel stays responsive during a run", as browser tests check it: with
 * a run stepping (tiny model, many steps: small fixed work per step, no
 * wall-clock thresholds), typing into the prompt field shows in the DOM and
 * in the panel's state, and animation frames keep coming, all before the
 * run finishes. Then Cancel stops it. A panel whose model ran on its own UI
 * thread would report `where: 'inline'` and freeze between frames on a real model.
 */
import type { Frame } from 'playwright-core';
import { expect } from 'vitest';

/** The test hooks of the Figma and Photopea panels, which share these members. */
type HookName = '__stippleFigma' | '__stipplePhotopea';
interface PanelHook {
  state(): { run: { status: string; step?: number; total?: number }; params: { prompt: string } };
  engine(): { where: string; backend: string } | null;
}
type HookWindow = Record<HookName, PanelHook> & { __frames: number };

/** Animation frames to see while the run goes on: more than a single repaint. */
const FRAMES = 10;

/** Expects `frame`'s panel, with a run started, to answer input and repaint before the run ends; then cancels it. */
export async function expectResponsiveDuringRun(frame: Frame, hook: HookName): Promise<void> {
  expect(await frame.evaluate((h) => (window as unknown as HookWindow)[h].engine(), hook)).toMatchObject({ where: 'worker' });
  await frame.waitForFunction(
    (h) => {
      const run = (window as unknown as HookWindow)[h].state().run;
      return run.status === 'error' || (run.status === 'running' && (run.step ?? 0) >= 1);
    },
    hook,
    { timeout: 90_000 },
  );
  const started = await frame.evaluate((h) => (window as unknown as HookWindow)[h].state().run as { status: string; message?: string }, hook);
  expect(started.message ?? started.status).toBe('running');
  await frame.evaluate(() => {
    const w = window as unknown as HookWindow;
    w.__frames = 0;
    const tick = (): void => {
      w.__frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const prompt = frame.getByLabel('Prompt', { exact: true });
  await prompt.pressSequentially(' at dusk');
  await frame.waitForFunction((n) => (window as unknown as HookWindow).__frames >= n, FRAMES, { timeout: 60_000 });
  const seen = await frame.evaluate(
    (h) => {
      const w = window as unknown as HookWindow;
      const field = [...document.querySelectorAll('textarea, input')].find((el) => (el as HTMLInputElement).value.endsWith(' at dusk')) as HTMLInputElement | undefined;
      return { run: w[h].state().run, prompt: w[h].state().params.prompt, shown: field?.value ?? null, frames: w.__frames };
    },
    hook,
  );
  // All of it while the run is still going.
  expect(seen.run.status).toBe('running');
  expect(seen.run.step).toBeLessThan(seen.run.total!);
  expect(seen.prompt).toMatch(/ at dusk$/);
  expect(seen.shown).toBe(seen.prompt);
  expect(seen.frames).toBeGreaterThanOrEqual(FRAMES);
  await frame.getByRole('button', { name: /^Cancel/ }).click();
  await frame.waitForFunction((h) => (window as unknown as HookWindow)[h].state().run.status === 'cancelled', hook, { timeout: 60_000 });
}
