// A minimal browser for tests: keeps cookies per origin (treating the loopback tool as
// a secure context, as real browsers treat localhost), follows redirects by hand, and
// can read forms out of pages. It speaks real HTTP to the tool and the simulator.
export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

interface Cookie {
  name: string;
  value: string;
  host: string;
  attributes: string;
}

export class TestBrowser {
  readonly cookies: Cookie[] = [];
  /**
   * Which cookies the tool may set, as seen from inside an LMS iframe:
   * 'all' (cookies allowed), 'partitioned' (Chrome blocking third-party cookies: only
   * CHIPS cookies survive), 'none' (Safari: nothing survives).
   */
  cookiePolicy: 'all' | 'partitioned' | 'none' = 'all';

  /** Shorthand for tests that only care whether cookies work at all. */
  set blockCookies(block: boolean) {
    this.cookiePolicy = block ? 'none' : 'all';
  }

  cookieHeader(url: string): string {
    const host = new URL(url).host;
    return this.cookies
      .filter((c) => c.host === host)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  cookie(name: string): Cookie | undefined {
    return this.cookies.find((c) => c.name === name);
  }

  private store(url: string, res: Response) {
    if (this.cookiePolicy === 'none') return;
    const host = new URL(url).host;
    for (const raw of res.headers.getSetCookie()) {
      if (this.cookiePolicy === 'partitioned' && !/;\s*Partitioned/i.test(raw)) continue;
      const [pair, ...attrs] = raw.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attributes = attrs.join(';');
      // Cookie name prefixes, as browsers enforce them (RFC 6265bis, 4.1.3): __Secure- needs
      // Secure; __Host- also Path=/ and no Domain, so no other host can set one.
      const attr = (re: RegExp) => attrs.some((a) => re.test(a.trim()));
      if (/^__(Secure|Host)-/i.test(name) && !attr(/^Secure$/i)) continue;
      if (/^__Host-/i.test(name) && (attr(/^Domain=/i) || !attr(/^Path=\/$/i))) continue;
      const idx = this.cookies.findIndex((c) => c.name === name && c.host === host);
      if (idx >= 0) this.cookies.splice(idx, 1);
      const expired = /max-age=0\b/i.test(attributes) || /expires=Thu, 01 Jan 1970/i.test(attributes);
      if (!expired) this.cookies.push({ name, value, host, attributes });
    }
  }

  /** The page this browser shows last: forms and links are sent from it (see Sec-Fetch-Site). */
  private document?: string;

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; multipart?: FormData; headers?: Record<string, string>; follow?: boolean } = {},
  ): Promise<Page> {
    let current = url;
    let method = init.method ?? (init.form || init.multipart ? 'POST' : 'GET');
    let body: string | FormData | undefined = init.multipart ?? (init.form ? new URLSearchParams(init.form).toString() : undefined);
    // Like browsers (Fetch Metadata), every request says where it comes from, relative to the
    // page that sent it; across redirects the least trusted hop counts, and typed-in stays 'none'.
    let site = fetchSite(this.document, url);
    for (let hop = 0; hop < 10; hop++) {
      if (site !== 'none') site = leastTrusted(site, fetchSite(this.document, current));
      const headers: Record<string, string> = { accept: 'text/html', 'sec-fetch-site': site, ...(init.headers ?? {}) };
      const cookie = this.cookieHeader(current);
      if (cookie) headers.cookie = cookie;
      // FormData sets its own multipart boundary.
      if (typeof body === 'string') headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.store(current, res);
      const location = res.headers.get('location');
      if (location && res.status >= 300 && res.status < 400 && init.follow !== false) {
        current = new URL(location, current).toString();
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      this.document = current;
      return { status: res.status, url: current, headers: res.headers, body: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  get(url: string, follow = true) {
    return this.request(url, { follow });
  }

  post(url: string, form: Record<string, string>, follow = true) {
    return this.request(url, { form, follow });
  }

  /** A multipart form post (file uploads): fields plus one file. */
  upload(url: string, fields: Record<string, string>, file?: { field?: string; filename: string; content: Buffer | string; type?: string }) {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    if (file)
      data.append(
        file.field ?? 'file',
        new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type ?? 'application/octet-stream' }),
        file.filename,
      );
    return this.request(url, { multipart: data });
  }
}

type FetchSite = 'same-origin' | 'same-site' | 'cross-site' | 'none';

/**
 * Sec-Fetch-Site of a request from the page `from` to `to`: 'none' when no page sent it (typed
 * in), and a site is scheme and host, ports aside (https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header;
 * the hosts here are localhost and 127.0.0.1, so the registrable-domain step does not arise).
 */
function fetchSite(from: string | undefined, to: string): FetchSite {
  if (!from) return 'none';
  const a = new URL(from);
  const b = new URL(to);
  if (a.origin === b.origin) return 'same-origin';
  return a.protocol === b.protocol && a.hostname === b.hostname ? 'same-site' : 'cross-site';
}

function leastTrusted(a: FetchSite, b: FetchSite): FetchSite {
  const order: FetchSite[] = ['same-origin', 'same-site', 'cross-site'];
  return order[Math.max(order.indexOf(a), order.indexOf(b))];
}

/** Reads the hidden inputs and action of the first form, or the first whose action contains (or matches) `action`. */
export function readForm(html: string, actionIncludes?: string | RegExp): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((f) => !actionIncludes || (typeof actionIncludes === 'string' ? f[1].includes(actionIncludes) : actionIncludes.test(f[1])));
  if (!form) throw new Error(`no form${actionIncludes ? ` posting to ${actionIncludes}` : ''} in page:\n${html.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input\b[^>]*>/g)) {
    // Like a browser: unchecked boxes and radios are not sent, and a file input sends a file (upload()), not text.
    if (/type="(checkbox|radio)"/.test(m[0]) && !/\schecked\b/.test(m[0])) continue;
    if (/type="file"/.test(m[0])) continue;
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name)
      fields[name] = value
        .replace(/&amp;/g, '&')
        .replace(/&#34;|&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>');
  }
  return { action: form[1].replace(/&amp;/g, '&'), fields };
}

const decodeEntities = (s: string) =>
  s
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * What a person reads on the page: its text without tags, scripts and styles, entities
 * decoded, whitespace collapsed. With `labels`, also the labels that live in attributes
 * (aria-label, placeholder, alt, title, confirm dialogs, script messages), as they are heard.
 */
export function readableText(html: string, opts: { labels?: boolean } = {}): string {
  const text = html.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ');
  const labels = opts.labels ? [...html.matchAll(/\s(?:aria-label|placeholder|alt|title|data-confirm|data-msg-[a-z]+)="([^"]*)"/g)].map((m) => m[1]) : [];
  return decodeEntities([text, ...labels].join(' ')).replace(/\s+/g, ' ');
}
