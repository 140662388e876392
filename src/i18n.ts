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

/** Works from src/ (ts-jest, tsx) and from dist/ (compiled); both sit beside locales/. */
export function localesDir(): string {
  const dir = path.resolve(__dirname, '..', 'locales');
  if (fs.existsSync(path.join(dir, DEFAULT_LOCALE))) return dir;
  throw new Error(`locales/ folder not found at ${dir}`);
}

/** Reads every language's namespace files once: "nl" → { "common.save" → "Opslaan", … }. */
export function loadCatalogues(dir = localesDir()): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const lang of fs.readdirSync(dir).sort()) {
    const folder = path.join(dir, lang);
    if (!fs.statSync(folder).isDirectory()) continue;
    const messages = new Map<string, string>();
    // _messages.json is not keyed: it translates sentences the code writes (see translateMessages).
    for (const file of fs
      .readdirSync(folder)
      .filter((f) => f.endsWith('.json') && !f.startsWith('_'))
      .sort()) {
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

const interpolate = (text: string, params?: Params) =>
  params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;

/**
 * The translate function for a language. `t(key, params)` fills {placeholders}; with a
 * numeric `count`, a key that has plural forms ("key.one", "key.other") picks the form
 * by the language's plural rules.
 */
const translators = new Map<string, Translate>();

export function translator(locale: string): Translate {
  // One per language we have, made once: every page render asks for it.
  const lang = all().has(locale) ? locale : DEFAULT_LOCALE;
  let made = translators.get(lang);
  if (!made) translators.set(lang, (made = makeTranslator(lang)));
  return made;
}

function makeTranslator(locale: string): Translate {
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

// --- Sentences written by the code ------------------------------------------------------
//
// Validation messages, readiness issues and error messages are written in English by the
// domain modules, which stay free of any page language. locales/<lang>/_messages.json
// (and any other _messages-<area>.json beside it) translates them where they are shown:
// { "English sentence": "translation" }, where a
// {name} in the English stands for any text and is carried into the translation, itself
// translated when the table has it (a reason inside a sentence: "… could not be checked: {why}").

interface MessageTemplate {
  pattern: RegExp;
  names: string[];
  translation: string;
}

const messageTables = new Map<string, { exact: Map<string, string>; templates: MessageTemplate[] }>();

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function loadMessageTable(locale: string, dir = localesDir()): { exact: Map<string, string>; templates: MessageTemplate[] } {
  const folder = path.join(dir, locale);
  const files = fs.existsSync(folder)
    ? fs
        .readdirSync(folder)
        .filter((f) => f.startsWith('_messages') && f.endsWith('.json'))
        .sort()
    : [];
  const entries: Record<string, string> = Object.assign({}, ...files.map((f) => JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8'))));
  const exact = new Map<string, string>();
  const templates: MessageTemplate[] = [];
  for (const [english, translation] of Object.entries(entries)) {
    const names = [...english.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    if (names.length === 0) exact.set(english, translation);
    else
      templates.push({
        names,
        translation,
        pattern: new RegExp(
          `^${english
            .split(/\{\w+\}/)
            .map(escapeRegExp)
            .join('(.+?)')}$`,
          's',
        ),
      });
  }
  return { exact, templates };
}

/** Translates a sentence the code wrote, or returns it unchanged when the table lacks it (or for English). */
export function messageTranslator(locale: string): (text: unknown) => string {
  if (locale === DEFAULT_LOCALE) return (text) => (text === undefined || text === null ? '' : String(text));
  let table = messageTables.get(locale);
  if (!table) messageTables.set(locale, (table = loadMessageTable(locale)));
  const { exact, templates } = table;
  const translate = (text: string, depth: number): string => {
    const hit = exact.get(text);
    if (hit !== undefined) return hit;
    for (const { pattern, names, translation } of templates) {
      const m = pattern.exec(text);
      if (!m) continue;
      const value = (name: string) => m[names.indexOf(name) + 1];
      return translation.replace(/\{(\w+)\}/g, (whole, name: string) =>
        names.includes(name) ? (depth < 3 ? translate(value(name), depth + 1) : value(name)) : whole,
      );
    }
    return text;
  };
  return (raw) => (raw === undefined || raw === null ? '' : translate(String(raw), 0));
}
