// Real-browser support for the journeys: Debian's Chromium driven by playwright-core
// (never a downloaded browser), screenshots under test-results/, an axe-core check of
// every page a journey visits, and a check that the page fits a 360 px wide frame.
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Frame, type Page, type Request as PwRequest } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'test-results', 'journeys');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Flags from the machine notes: no sandbox as root, no GPU, and no background traffic to the closed network. */
// Local Network Access checks are off: every server here is on loopback, and a response a
// test rewrites (route.fulfill) would otherwise count as coming from the public internet.
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults',
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: BASE_ARGS });
}

/**
 * Chrome's own "block third-party cookies" setting for this page's browsing context (the
 * DevTools protocol's cookie controls, what chrome://settings/cookies sets): in a cross-site
 * frame only partitioned (CHIPS) cookies are kept.
 */
export async function blockThirdPartyCookies(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send(
    'Network.setCookieControls' as 'Network.enable',
    { enableThirdPartyCookieRestriction: true, disableThirdPartyCookieMetadata: true, disableThirdPartyCookieHeuristics: true } as never,
  );
}

/**
 * Safari's policy on top of that: no cookie at all for the tool while it is inside another
 * site's frame (its Set-Cookie headers there are dropped, as Safari drops them); in a
 * top-level window the tool's cookies work.
 */
export async function dropCookiesInFrames(context: BrowserContext, toolOrigin: string) {
  await context.route(`${toolOrigin}/**`, async (route) => {
    let inFrame = false;
    try {
      inFrame = route.request().frame().parentFrame() !== null;
    } catch {
      inFrame = false; // a new window's first request, before its frame exists: top level
    }
    // route.fetch() sends the request again from Playwright's own HTTP client, without the
    // Fetch Metadata Chromium would have sent; the tool relies on Sec-Fetch-Site.
    const request = route.request();
    const response = await route.fetch({ maxRedirects: 0, headers: { ...request.headers(), 'sec-fetch-site': fetchSiteOf(request) } });
    const headers = { ...response.headers() };
    if (inFrame) {
      delete headers['set-cookie'];
      // route.fetch() itself stores what it receives in the context's cookie jar: undo that.
      await context.clearCookies({ domain: new URL(toolOrigin).hostname });
    }
    await route.fulfill({ response, headers });
  });
}

type FetchSite = 'same-origin' | 'same-site' | 'cross-site' | 'none';

/**
 * Sec-Fetch-Site as Chromium computes it (https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header):
 * relative to the document that sent the request (the requesting frame's, or its parent's for
 * the frame's first load), the least trusted hop across redirects, 'none' for an address typed
 * in. Where that document is not known (a new window's first request), the least trusted value.
 */
function fetchSiteOf(request: PwRequest): FetchSite {
  let initiator: string | undefined;
  try {
    const frame = request.frame();
    initiator = /^https?:/.test(frame.url()) ? frame.url() : frame.parentFrame()?.url();
  } catch {
    return 'cross-site';
  }
  if (!initiator || !/^https?:/.test(initiator)) return 'none';
  const order: FetchSite[] = ['same-origin', 'same-site', 'cross-site'];
  const relation = (to: string): FetchSite => {
    const a = new URL(initiator!);
    const b = new URL(to);
    if (a.origin === b.origin) return 'same-origin';
    return a.protocol === b.protocol && a.hostname === b.hostname ? 'same-site' : 'cross-site';
  };
  let site = relation(request.url());
  for (let hop = request.redirectedFrom(); hop; hop = hop.redirectedFrom()) site = order[Math.max(order.indexOf(site), order.indexOf(relation(hop.url())))];
  return site;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** The page's serious and critical axe violations (WCAG 2.1 A and AA rules). */
export async function axeViolations(target: Page | Frame): Promise<AxeViolation[]> {
  const has = await target.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!has) await target.evaluate(AXE_SOURCE);
  const result = (await target.evaluate(() =>
    (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  )) as { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/**
 * A journey's record: each step saves a screenshot, runs axe on the tool's page, and notes
 * the results; a failure names the step. The axe summary is written to test-results/.
 */
export class Journey {
  private n = 0;
  readonly axe: { step: string; url: string; violations: AxeViolation[]; overflowAt360: number; tooWide: string[] }[] = [];
  readonly visited = new Set<string>();

  constructor(readonly name: string) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
  }

  /** Runs one step; an error is rethrown with the step's name, after a screenshot of where it failed. */
  async step<T>(title: string, page: Page, body: () => Promise<T>): Promise<T> {
    const label = `${this.name} ${String(++this.n).padStart(2, '0')} ${title}`;
    try {
      const out = await body();
      await page.screenshot({ path: path.join(RESULTS_DIR, `${slug(label)}.png`), fullPage: true });
      return out;
    } catch (e) {
      await page.screenshot({ path: path.join(RESULTS_DIR, `${slug(label)}-FAILED.png`), fullPage: true }).catch(() => undefined);
      const err = e as Error;
      err.message = `Journey step failed: "${label}"\n${err.message}`;
      throw err;
    }
  }

  /**
   * axe on a page (or the tool's frame), and whether it fits 360 px without sideways
   * scrolling; recorded once per distinct page (path and title: one path serves each role).
   */
  async checkAccessibility(step: string, target: Page | Frame) {
    const url = new URL(target.url());
    const path = url.pathname
      .replace(/\/app\/[^/]+/, '/app/:launch')
      .replace(/\/\d+(?=\/|$)/g, '/:id')
      .replace(/[0-9a-f-]{36}|\/setup\/[\w-]+/g, (m) => (m.startsWith('/setup') ? '/setup/:token' : ':uuid'));
    const key = `${path} · ${await target.title()}`;
    if (this.visited.has(key)) return;
    this.visited.add(key);
    const violations = await axeViolations(target);
    // Narrow the window (and so the LMS frame) to a phone's 360 px, measure, and restore.
    const page = 'mainFrame' in target ? target : target.page();
    const size = page.viewportSize() ?? { width: 1024, height: 900 };
    await page.setViewportSize({ width: 360, height: size.height });
    const { overflowAt360, tooWide } = await target.evaluate(
      () =>
        new Promise<{ overflowAt360: number; tooWide: string[] }>((r) =>
          requestAnimationFrame(() => {
            const width = document.documentElement.clientWidth;
            // The innermost elements sticking out, to say what to fix.
            const out = [...document.querySelectorAll('body *')].filter(
              (e) => e.getBoundingClientRect().right > width + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > width + 1),
            );
            r({
              overflowAt360: Math.max(0, document.documentElement.scrollWidth - width),
              tooWide: out
                .slice(0, 5)
                .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''}`),
            });
          }),
        ),
    );
    await page.setViewportSize(size);
    this.axe.push({ step, url: key, violations, overflowAt360, tooWide });
  }

  writeSummary() {
    fs.writeFileSync(path.join(RESULTS_DIR, `${slug(this.name)}-axe.json`), JSON.stringify(this.axe, null, 2));
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The tool's frame inside the LMS course page. */
export async function toolFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe#tool');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the course page has no tool frame');
  return frame;
}

export type { Browser, BrowserContext, Frame, Page };
