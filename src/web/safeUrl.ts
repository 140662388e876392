// The one check before an address from stored or user-supplied data becomes a link, an
// image source or a redirect. Forms refuse other schemes, but rows arrive other ways too (an
// old version, an import, a hand-edited database), and a javascript:, data: or vbscript:
// href runs script in our origin the moment someone clicks it. Pure: no express.

const WEB_SCHEMES = new Set(['http:', 'https:']);

/**
 * `value` when a browser would open it as an http(s) page, else undefined: the view then
 * shows the text without a link. The address is parsed as browsers parse it (WHATWG URL),
 * so " JavaScript:", "java\tscript:" and a leading control character are caught as well.
 * Only absolute addresses pass: every stored address is one, and paths the tool builds
 * itself never come through here.
 */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return undefined;
  }
  return WEB_SCHEMES.has(parsed.protocol) ? value : undefined;
}
