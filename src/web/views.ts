// ejs with one layout: a view renders its body, then views/layout.ejs wraps it.
// ejs escapes <%= %> output; views never use <%- %> for user data.
// Every view gets `t` (the interface strings in the page's language, src/i18n.ts), `rich`
// (the same with markup in placeholders), `tm`
// (the same for sentences the code wrote, e.g. validation messages) and `lang`: inside a launch the LMS's locale decides, elsewhere the browser's languages.
// Every view also gets `safeUrl` (src/web/safeUrl.ts): an address from stored or user-supplied
// data goes into href/src only through it, and is shown as plain text when it is not http(s).
import path from 'node:path';
import ejs from 'ejs';
import type { Express } from 'express';
import { DEFAULT_LOCALE, messageTranslator, resolveLocale, type Params, type Translate, translator } from '../i18n';
import { safeUrl } from './safeUrl';

/** The page's language: the launch's LMS locale, else (outside a launch) the browser's, else English. */
export function pageLocale(locals: { launch?: { claims?: Record<string, unknown> }; lmsLocale?: string; acceptLanguage?: string; locale?: unknown }): string {
  if (locals.launch || typeof locals.lmsLocale === 'string') {
    const lms = (locals.launch?.claims?.launchPresentation as { locale?: string } | undefined)?.locale ?? locals.lmsLocale;
    return resolveLocale(lms, DEFAULT_LOCALE);
  }
  return resolveLocale(typeof locals.locale === 'string' ? locals.locale : undefined, locals.acceptLanguage);
}

export const VIEWS_DIR = path.resolve(__dirname, '..', '..', 'views');

export function useViews(app: Express) {
  const viewsDir = findViewsDir();
  app.use((req, res, next) => {
    res.locals.acceptLanguage = req.get('accept-language');
    next();
  });
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.engine('ejs', (file: string, options: object, cb: (e: unknown, html?: string) => void) => {
    const opts = { cache: app.get('env') === 'production', views: [viewsDir] };
    const lang = pageLocale(options as Parameters<typeof pageLocale>[0]);
    const t = translator(lang);
    const withStrings: Record<string, unknown> = {
      ...(options as Record<string, unknown>),
      lang,
      t,
      rich: richTranslator(t),
      tm: messageTranslator(lang),
      safeUrl,
    };
    ejs.renderFile(file, withStrings, opts).then((body) => {
      const locals = withStrings;
      if (locals.layout === false) return cb(null, body);
      ejs.renderFile(path.join(viewsDir, 'layout.ejs'), { ...locals, body }, opts).then((html) => cb(null, html), cb);
    }, cb);
  });
}

/** The interface strings of the page a route is about to render (for text a route writes itself). */
export function pageTranslator(locals: Parameters<typeof pageLocale>[0]): Translate {
  return translator(pageLocale(locals));
}

/**
 * `rich(key, html, params)`: an interface string with markup in some {placeholders}, e.g. a
 * visually hidden title inside a button. The string is escaped; the `html` values are not
 * (the view escapes what it puts in them). Render with <%- %>.
 */
function richTranslator(t: Translate) {
  return (key: string, html: Record<string, string>, params?: Params) =>
    ejs.escapeXML(t(key, params)).replace(/\{(\w+)\}/g, (m, k: string) => (k in html ? html[k] : m));
}

/** Works from src/ (ts-jest) and from dist/src/ (compiled). */
function findViewsDir(): string {
  const fs = require('node:fs') as typeof import('node:fs');
  for (const candidate of [VIEWS_DIR, path.resolve(__dirname, '..', '..', '..', 'views')]) {
    if (fs.existsSync(path.join(candidate, 'layout.ejs'))) return candidate;
  }
  throw new Error('views/ folder not found');
}
