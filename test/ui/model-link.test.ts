/**
 * Issue 13: a `?model=` link loads at once only a model served from the
 * panel's own origin; any other is offered first (the panels render the question).
 */
import { describe, expect, it } from 'vitest';
import { askToDownload, loadsWithoutAsking } from '../../plugins/ui/model-link';

const PAGE = 'https://stipple.example/photopea/index.html?model=x';

describe('model links', () => {
  it.each([
    ['models/tiny-sd/sd-inpaint/', true],
    ['/models/sd/', true],
    ['https://stipple.example/models/sd/', true],
    ['https://huggingface.co/stabilityai/sd/resolve/main/', false],
    ['//evil.example/model/', false],
    ['http://stipple.example/models/sd/', false],
    ['https://stipple.example:8443/models/', false],
    ['http://[::1', false],
  ])('%s loads without asking: %s', (url, yes) => {
    expect(loadsWithoutAsking(url, PAGE)).toBe(yes);
  });

  it('the question names the host the files come from', () => {
    expect(askToDownload('https://huggingface.co/x/y/resolve/main/', PAGE)).toMatch(/from huggingface\.co\..*Download it\?/);
  });
});
