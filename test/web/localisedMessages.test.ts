// Sentences the code writes (validation, readiness, CSV import, admin forms) are shown in
// the page's language through tm() and locales/<lang>/_messages*.json. On real PostgreSQL
// with the platform simulator: a Dutch teacher and a Dutch administrator read them in Dutch.
// A second part keeps locales/nl/_messages-design.json honest: every English key must still
// be written somewhere in src/, so a reworded message cannot leave a stale translation.
import fs from 'node:fs';
import path from 'node:path';
import { type Page, readableText, readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, type Person } from '../assessment/support';

const visible = (page: Page) => readableText(page.body);

/** A browser that always sends this Accept-Language. */
class BrowserIn extends TestBrowser {
  constructor(private readonly acceptLanguage: string) {
    super();
  }
  override request(url: string, init: Parameters<TestBrowser['request']>[1] = {}) {
    return super.request(url, { ...init, headers: { 'accept-language': this.acceptLanguage, ...(init.headers ?? {}) } });
  }
}

describe('code-written messages on real pages', () => {
  let tool: TestTool;
  let sim: PlatformSimulator;
  let nl: Person;
  let credential: string;

  beforeAll(async () => {
    tool = await startTestTool();
    sim = await connectLms(tool, 'moodle-4.5');
    sim.locale = 'nl-NL';
    try {
      nl = await launchAs(tool, sim, 'instructor');
    } finally {
      sim.locale = 'en';
    }
  });
  afterAll(async () => {
    await tool?.stop();
    await sim?.stop();
  });

  it('shows validation errors of the credential form in Dutch', async () => {
    const list = await nl.browser.get(`${nl.base}/credentials`);
    const create = readForm(list.body, /\/credentials$/);
    const edit = await nl.browser.post(`${tool.base}${create.action}`, create.fields);
    expect(edit.status).toBe(200);
    credential = edit.url.replace(/\/edit$/, '');
    const form = readForm(edit.body, /\/credentials\/\d+$/);
    const invalid = await nl.browser.post(`${tool.base}${form.action}`, {
      ...form.fields,
      title: '',
      'awarding-bodies': 'Universiteit van Voorbeeld',
      'awarding-body-url': 'not a web address',
      'qa-policy-url': 'ftp://uni.example/policy',
      'workload-ects': '90',
      language: 'Dutch',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toContain('<html lang="nl">');
    const text = visible(invalid);
    for (const dutch of [
      'Vul een volledig webadres in dat begint met https://',
      'Geef het volledige webadres van het kwaliteitszorgbeleid, beginnend met https://',
      'Een microcredential is hoogstens 60 EC.',
      'Gebruik een taalcode zoals en of nl-NL.',
    ]) {
      expect(text).toContain(dutch);
    }
    for (const english of ['Enter a full web address', 'A micro-credential is at most 60 ECTS.', 'Use a language code']) expect(text).not.toContain(english);
  });

  it('shows the readiness panel in Dutch', async () => {
    const show = await nl.browser.get(credential);
    expect(show.status).toBe(200);
    const text = visible(show);
    for (const dutch of [
      'Titel van de microcredential',
      'Geef de microcredential een titel.',
      'Kies de soort toetsing.',
      'Kies de vorm van deelname.',
      'Voeg minstens één leeruitkomst toe, geschreven vanuit de lerende.',
      'Voeg minstens één beoordelingscriterium aan de rubric toe',
    ]) {
      expect(text).toContain(dutch);
    }
    for (const english of ['Give the micro-credential a title.', 'Choose the type of assessment.', 'Title of the micro-credential'])
      expect(text).not.toContain(english);
  });

  it('shows the problems of an outcomes CSV in Dutch', async () => {
    const page = await nl.browser.get(`${nl.base}/outcomes/import`);
    const form = readForm(page.body, /\/outcomes\/import\/preview$/);
    const csv = 'code,title,extra\nLU1,\nLU2,Veilig werken,x\nLU2,Nog eens,y\n,Zonder code,z\n';
    const preview = await nl.browser.upload(`${tool.base}${form.action}`, { ...form.fields, csv });
    expect(preview.status).toBe(200);
    const text = visible(preview);
    for (const dutch of ['De titel ontbreekt.', 'Code “LU2” wordt ook gebruikt in rij 3.', 'De code ontbreekt.', 'Kolom “extra” wordt genegeerd.'])
      expect(text).toContain(dutch);
    for (const english of ['The title is missing.', 'is also used in row', 'is ignored']) expect(text).not.toContain(english);

    const noHeader = await nl.browser.upload(`${tool.base}${form.action}`, { ...form.fields, csv: 'naam,titel\nLU1,Iets\n' });
    expect(visible(noHeader)).toContain(
      'De eerste rij moet de kolommen code, title en (eventueel) description noemen; code en title ontbreken. Gevonden: naam, titel.',
    );
  });

  it('shows the admin console’s form errors in Dutch for a Dutch browser', async () => {
    const token = (await tool.accounts.issueSetupToken())!;
    const b = new BrowserIn('nl-NL,nl;q=0.9');
    const setup = await b.get(`${tool.base}/admin/setup/${token}`);
    const setupForm = readForm(setup.body, '/admin/setup/');
    const mismatch = await b.post(`${tool.base}${setupForm.action}`, {
      ...setupForm.fields,
      email: 'beheer@uni.example',
      password: 'correct horse battery staple',
      confirm: 'something else entirely',
    });
    expect(mismatch.status).toBe(422);
    expect(visible(mismatch)).toContain('De twee wachtwoorden verschillen');
    const again = readForm(mismatch.body, '/admin/setup/');
    const dash = await b.post(`${tool.base}${again.action}`, {
      ...again.fields,
      email: 'beheer@uni.example',
      password: 'correct horse battery staple',
      confirm: 'correct horse battery staple',
    });
    expect(dash.url).toBe(`${tool.base}/admin`);

    const issuer = await b.get(`${tool.base}/admin/issuer`);
    const form = readForm(issuer.body, '/admin/issuer');
    const invalid = await b.upload(`${tool.base}/admin/issuer`, {
      ...form.fields,
      name: '',
      url: 'www.uni.example',
      countryCode: 'NLD',
      identifierType_0: 'BRIN',
      identifier_0: '',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toContain('<html lang="nl">');
    const text = visible(invalid);
    for (const dutch of [
      'Geef de officiële naam van de instelling.',
      'Vul het volledige webadres in, bijv. https://www.uni.example',
      'Geef de landcode van twee letters, bijv. NL.',
      'Gebruik een Open Badges-soort identificatiecode',
      'Geef de identificatiecode zelf, bijv. 21PB.',
    ]) {
      expect(text).toContain(dutch);
    }
    for (const english of ['Give the institution’s legal name.', 'Enter the full web address', 'two-letter country code', 'Give the identifier itself'])
      expect(text).not.toContain(english);
  });
});

// --- No stale translations ------------------------------------------------------------

const SRC = path.resolve(__dirname, '..', '..', 'src');

function sourceTexts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceTexts(full);
    return entry.name.endsWith('.ts') ? [fs.readFileSync(full, 'utf8')] : [];
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('locales/nl/_messages-design.json', () => {
  const file = path.resolve(__dirname, '..', '..', 'locales', 'nl', '_messages-design.json');
  const entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const sources = sourceTexts(SRC);
  const all = sources.join('\n');
  // Template literals of src/ as patterns: `Give level ${index + 1} a title.` → /^Give level .+ a title\.$/
  const templates = sources
    .flatMap((text) => [...text.matchAll(/`([^`]*\$\{[^`]*)`/g)].map((m) => m[1]))
    .map((body) => body.split(/\$\{[^}]*\}/))
    // Only templates with real words in them: `${message} ${hint}` would match anything.
    .filter((parts) => parts.join('').replace(/\s/g, '').length >= 10)
    .map((parts) => new RegExp(`^${parts.map(escapeRegExp).join('.+')}$`, 's'));

  /** A sentence is still written by src/ as a literal (its longest fixed part) or by one of its template literals. */
  const written = (sentence: string): boolean => {
    const longest = sentence.split(/\{\w+\}/).sort((a, b) => b.length - a.length)[0];
    if (all.includes(longest)) return true;
    const sample = sentence.replace(/\{\w+\}/g, 'x');
    return templates.some((pattern) => pattern.test(sample));
  };

  it('has at least a hundred sentences', () => {
    expect(Object.keys(entries).length).toBeGreaterThan(100);
  });

  it('recognises a sentence src/ does not write', () => {
    expect(written('Give the micro-credential a subtitle.')).toBe(false);
    expect(written('Learning outcome {n} has no statement.')).toBe(true);
    expect(written('Give level {n} a title.')).toBe(true);
  });

  it('translates only sentences that src/ still writes', () => {
    // A message shown with its hint ("message hint") counts as written when each sentence is.
    const stale = Object.keys(entries).filter((key) => !written(key) && !key.split(/(?<=[.!?])\s+(?=[A-Z])/).every(written));
    expect(stale).toEqual([]);
  });
});
