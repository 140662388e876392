// The interface-string catalogues: every language has every English key with the same
// placeholders, and the page language follows the LMS's locale with English as fallback.
import { loadCatalogues, loadMessageTable, localesDir, messageTranslator, resolveLocale, translator } from '../../src/i18n';

const catalogues = loadCatalogues();
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  const en = catalogues.get('en')!;
  it('has English and at least one more language', () => {
    expect(en.size).toBeGreaterThan(5);
    expect(catalogues.size).toBeGreaterThanOrEqual(2);
  });

  for (const [lang, messages] of catalogues) {
    if (lang === 'en') continue;
    it(`${lang}: has every English string, with the same placeholders, and nothing English lacks`, () => {
      const missing = [...en.keys()].filter((k) => !messages.has(k));
      const extra = [...messages.keys()].filter((k) => !en.has(k));
      const mismatched = [...en.entries()]
        .filter(([k, v]) => messages.has(k) && placeholders(v).join() !== placeholders(messages.get(k)!).join())
        .map(([k]) => k);
      const blank = [...messages.entries()].filter(([, v]) => v.trim() === '').map(([k]) => k);
      expect({ missing, extra, mismatched, blank }).toEqual({ missing: [], extra: [], mismatched: [], blank: [] });
    });
  }
});

describe('resolveLocale', () => {
  it('takes the first language we have from a tag or an Accept-Language list, else English', () => {
    expect(resolveLocale('nl-NL')).toBe('nl');
    expect(resolveLocale('nl_BE')).toBe('nl');
    expect(resolveLocale('en-GB')).toBe('en');
    expect(resolveLocale('fr-FR')).toBe('en');
    expect(resolveLocale('fr-FR,nl;q=0.8,en;q=0.5')).toBe('nl');
    expect(resolveLocale('de;q=0.9,en;q=0.1,nl;q=0.5')).toBe('nl');
    expect(resolveLocale(undefined, '')).toBe('en');
    expect(resolveLocale(undefined, 'nl')).toBe('nl');
  });
});

describe('translator', () => {
  it('fills placeholders and falls back to English for a language we lack', () => {
    expect(translator('nl')('common.signOut', { email: 'a@b.nl' })).toBe('Afmelden (a@b.nl)');
    expect(translator('fr')('common.signOut', { email: 'a@b.nl' })).toBe('Sign out (a@b.nl)');
    expect(translator('nl').has('common.console')).toBe(true);
    expect(translator('nl').has('common.nope')).toBe(false);
  });

  it('refuses an unknown key in tests, so a typo cannot ship', () => {
    expect(() => translator('en')('common.doesNotExist')).toThrow(/missing interface string/);
  });
});

describe('messageTranslator (sentences the code writes)', () => {
  it('translates exact sentences and templates with {values}, and leaves unknown ones as they are', () => {
    const nl = messageTranslator('nl');
    expect(nl('Give the institution’s legal name.')).toBe('Geef de officiële naam van de instelling.');
    expect(nl('Keep the name to 300 characters or fewer.')).toBe('Houd de naam op 300 tekens of minder.');
    expect(nl('A sentence nobody translated.')).toBe('A sentence nobody translated.');
    expect(nl(undefined)).toBe('');
    expect(messageTranslator('en')('Give the institution’s legal name.')).toBe('Give the institution’s legal name.');
  });

  it('translates a sentence inside a sentence: a {value} the table knows is translated too', () => {
    const nl = messageTranslator('nl');
    expect(nl('This Open Badge could not be accepted: The issuer has revoked this credential. It is no longer valid.')).toBe(
      'Deze Open Badge kon niet worden geaccepteerd: De uitgever heeft deze credential ingetrokken. Hij is niet meer geldig.',
    );
    // Three levels: the check, the fetch guard's reason, the kind of address.
    expect(
      nl(
        'Whether the issuer has revoked this credential could not be checked: microcred did not fetch http://127.0.0.1:8080/status/1, because it leads to 127.0.0.1, a loopback address (this server itself).',
      ),
    ).toBe(
      'Of de uitgever deze credential heeft ingetrokken, kon niet worden gecontroleerd: microcred heeft http://127.0.0.1:8080/status/1 niet opgehaald, omdat het naar 127.0.0.1 leidt, een loopbackadres (deze server zelf).',
    );
    // Values the table does not know (names, addresses) stay as they are.
    expect(nl('This Open Badge could not be accepted: Something only this test says.')).toBe(
      'Deze Open Badge kon niet worden geaccepteerd: Something only this test says.',
    );
  });

  for (const lang of loadCatalogues().keys()) {
    if (lang === 'en') continue;
    it(`${lang}: every translated sentence keeps the English sentence's {placeholders}`, () => {
      const { exact, templates } = loadMessageTable(lang);
      const fs = require('node:fs') as typeof import('node:fs');
      const folder = require('node:path').join(localesDir(), lang);
      const file = Object.assign(
        {},
        ...fs
          .readdirSync(folder)
          .filter((f: string) => f.startsWith('_messages'))
          .map((f: string) => JSON.parse(fs.readFileSync(`${folder}/${f}`, 'utf8'))),
      ) as Record<string, string>;
      const wrong = Object.entries(file).filter(([en, tr]) => placeholders(en).join() !== placeholders(tr).join() || tr.trim() === '');
      expect(wrong).toEqual([]);
      expect(exact.size + templates.length).toBe(Object.keys(file).length);
    });
  }
});
