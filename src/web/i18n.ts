// Interface strings in one catalogue per language: locales/<lang>/<namespace>.json, merged
// into one flat map of "namespace.key" → text. Pages follow the LMS's locale
// (launch_presentation.locale in the launch), then the browser's Accept-Language on public
// pages, with English as the fallback for a language we lack and for a key a translation
// lacks. Adding a language is adding a folder: every key of English must be present (a test
// checks it) and keep the same {placeholders}.
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_LOCALE = 'en';
export type Params = Record<string, string | number>;
export type Translate = ((key: string, params?: Params) => string) & {
  /** Whether the catalogue has this key (in this language or English), e.g. a message for an error code. */
  has(key: string): boolean;
};

let catalogues: Map<string, Map<string, string>> | undefined;

/** Works from src/ (ts-jest, tsx) and from dist/src/ (compiled). */
export function localesDir(): string {
  for (const candidate of [path.resolve(__dirname, '..', '..', 'locales'), path.resolve(__dirname, '..', '..', '..', 'locales')]) {
    if (fs.existsSync(path.join(candidate, DEFAULT_LOCALE))) return candidate;
  }
  throw new Error('locales/ folder not found');
}

/** Reads every language's namespace files once: "nl" → { "common.save" → "Opslaan", … }. */
export function loadCatalogues(dir = localesDir()): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const lang of fs.readdirSync(dir).sort()) {
    const folder = path.join(dir, lang);
    if (!fs.statSync(folder).isDirectory()) continue;
    const messages = new Map<string, string>();
    for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      const namespace = file.slice(0, -'.json'.length);
      const flat = (prefix: string, value: unknown) => {
        if (typeof value === 'string') return void messages.set(prefix, value);
        if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) flat(`${prefix}.${k}`, v);
      };
      flat(namespace, JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')));
    }
    out.set(lang, messages);
  }
  return out;
}

function all(): Map<string, Map<string, string>> {
  catalogues ??= loadCatalogues();
  return catalogues;
}

export function supportedLocales(): string[] {
  return [...all().keys()];
}

/**
 * The language to use for a BCP 47 tag ("nl-NL", "nl_BE", "en-GB") or an Accept-Language
 * header ("nl,en;q=0.8"): the first language we have, else English.
 */
export function resolveLocale(...candidates: (string | undefined | null)[]): string {
  const have = all();
  for (const candidate of candidates) {
    if (!candidate) continue;
    const tags = candidate
      .split(',')
      .map((part) => {
        const [tag, q] = part.trim().split(';q=');
        return { tag: tag.trim().toLowerCase().replace('_', '-'), q: q === undefined ? 1 : Number(q) };
      })
      .filter((t) => t.tag && t.q > 0)
      .sort((a, b) => b.q - a.q);
    for (const { tag } of tags) {
      const lang = tag.split('-')[0];
      if (have.has(lang)) return lang;
    }
  }
  return DEFAULT_LOCALE;
}

const interpolate = (text: string, params?: Params) => (params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text);

/**
 * The translate function for a language. `t(key, params)` fills {placeholders}; with a
 * numeric `count`, a key that has plural forms ("key.one", "key.other") picks the form
 * by the language's plural rules.
 */
export function translator(locale: string): Translate {
  const have = all();
  const messages = have.get(locale) ?? have.get(DEFAULT_LOCALE)!;
  const fallback = have.get(DEFAULT_LOCALE)!;
  const plural = new Intl.PluralRules(locale);
  const lookup = (key: string) => messages.get(key) ?? fallback.get(key);
  const t = (key: string, params?: Params) => {
    let text = lookup(key);
    if (text === undefined && params && typeof params.count === 'number') text = lookup(`${key}.${plural.select(params.count)}`) ?? lookup(`${key}.other`);
    if (text === undefined) {
      // A missing key is a bug: loud in tests, readable (the key itself) in production.
      if (process.env.NODE_ENV === 'test') throw new Error(`missing interface string "${key}"`);
      return key;
    }
    return interpolate(text, params);
  };
  return Object.assign(t, { has: (key: string) => lookup(key) !== undefined });
}
