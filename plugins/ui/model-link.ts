/**
 * Models named in a panel's `?model=` link. Opening a link must not start a
 * multi-GB download on its own: a model whose files come from the panel's
 * own origin (the one its host deployed next to it) loads at once; any other
 * is only offered, and downloads when the designer says so.
 */

/**
 * True when `modelUrl` (absolute, or relative to `pageUrl`) is served from
 * the page's own origin, so loading it needs no question.
 */
export function loadsWithoutAsking(modelUrl: string, pageUrl: string): boolean {
  try {
    return new URL(modelUrl, pageUrl).origin === new URL(pageUrl).origin;
  } catch {
    return false;
  }
}

/** The question to show for a model from another origin: names the host the files come from. */
export function askToDownload(modelUrl: string, pageUrl: string): string {
  let host = modelUrl;
  try {
    host = new URL(modelUrl, pageUrl).host;
  } catch {
    // keep the text as given
  }
  return `This link asks to load a model from ${host}. It may be several GB and is kept in this browser. Download it?`;
}
